# mod_expect: build with apxs, test against Debian's apache2.

APXS   ?= apxs
PYTHON ?= /usr/bin/python3
MPMS   ?= event worker prefork
WARN    = -Wc,-Wall -Wc,-Wextra -Wc,-Werror

SOURCES = mod_expect.c expect_field.c

.PHONY: all install clean deps test demo

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

demo: deps
	$(MAKE) all
	$(PYTHON) test/demo.py

clean:
	rm -rf .libs *.la *.lo *.o *.slo test/expect_field_test \
	       test/__pycache__ test/.pytest_cache \
	       test/run .pytest_cache
