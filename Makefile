# mod_expect: build with apxs, test against Debian's apache2.

APXS   ?= apxs
PYTHON ?= /usr/bin/python3
MPMS   ?= event worker prefork
WARN    = -Wc,-Wall -Wc,-Wextra -Wc,-Werror

SOURCES = mod_expect.c expect_field.c

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS   = -g -O1 -Wall -Wextra -Werror \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

.PHONY: all install clean deps test demo fuzz deb test-deb

all: .libs/mod_expect.so

.libs/mod_expect.so: $(SOURCES) expect_field.h
	$(APXS) -c $(WARN) -o mod_expect.la $(SOURCES)

install: all
	$(APXS) -i -n expect mod_expect.la

# Installs the Debian packages the build, the tests and the demo need.
deps:
	@sh test/install-deps

test/expect_field_test: test/expect_field_test.c expect_field.c expect_field.h
	$(CC) -Wall -Wextra -Werror -g -o $@ test/expect_field_test.c expect_field.c

test: deps
	$(MAKE) all test/expect_field_test
	./test/expect_field_test
	@for mpm in $(MPMS); do \
	    echo "=== mod_expect tests, $$mpm MPM"; \
	    EXPECT_TEST_MPM=$$mpm $(PYTHON) -m pytest -q test || exit 1; \
	done

fuzz/fuzz_expect_field: fuzz/fuzz_expect_field.c expect_field.c expect_field.h
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ fuzz/fuzz_expect_field.c expect_field.c

# New inputs go to the scratch dir fuzz/run/corpus (given first), never
# into the committed seeds; crashes are written to fuzz/run/crash-*.
fuzz: deps
	$(MAKE) fuzz/fuzz_expect_field
	rm -rf fuzz/run && mkdir -p fuzz/run/corpus
	./fuzz/fuzz_expect_field -max_total_time=$(FUZZ_SECONDS) -max_len=512 \
	    -timeout=10 -dict=fuzz/expect.dict -artifact_prefix=fuzz/run/ \
	    fuzz/run/corpus fuzz/corpus

# libapache2-mod-expect_<version>_<arch>.deb
deb: all
	sh debian-pkg/build

# Installs that package here, enables it with a2enmod, and runs Debian's
# apache2 with it on a free loopback port (not the system service).
test-deb: deb
	$(PYTHON) test/deb_check.py

demo: deps
	$(MAKE) all
	$(PYTHON) test/demo.py

clean:
	rm -rf .libs *.la *.lo *.o *.slo test/expect_field_test \
	       test/__pycache__ test/.pytest_cache \
	       test/run .pytest_cache fuzz/fuzz_expect_field fuzz/run \
	       build libapache2-mod-expect_*.deb
