# mod_expect: build with apxs, test against the httpd that apxs belongs to
# (Debian's apache2 by default; `make test APXS=/path/to/apxs` for another).

APXS   ?= apxs
PYTHON ?= /usr/bin/python3
MPMS   ?= event worker prefork
WARN    = -Wc,-Wall -Wc,-Wextra -Wc,-Werror

SOURCES = mod_expect.c expect_field.c

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS   = -g -O1 -Wall -Wextra -Werror \
                -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

.PHONY: all install clean deps test demo fuzz deb test-deb test-asan \
        test-valgrind test-skew load bench test-clients rpm \
        test-rpm FORCE

# The suite, the demo and the benchmarks run this apxs's httpd
# (test/pyhttpd.py): its SBINDIR/TARGET, LIBEXECDIR and MPMs.
export EXPECT_TEST_APXS := $(APXS)

all: .libs/mod_expect.so

# Another httpd's apxs given: build again, against its headers.
APXS_ID := $(APXS) $(shell $(APXS) -q exp_includedir 2>/dev/null)
build/apxs-id: FORCE
	@mkdir -p build
	@echo '$(APXS_ID)' | cmp -s - $@ || echo '$(APXS_ID)' > $@

.libs/mod_expect.so: $(SOURCES) expect_field.h build/apxs-id
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

# The suite against the module built with AddressSanitizer and
# UndefinedBehaviorSanitizer, in build/asan/ (never .libs/), loaded into
# Debian's uninstrumented apache2 with the ASan runtime preloaded. A report
# makes the process abort (the error log then shows "exit signal", which
# fails the test at hand) and is written to test/run/asan/; the run fails
# if any file is there. Leak detection stays on: httpd's own leaks at exit
# are suppressed by name (test/lsan.supp), so a malloc that the module
# never frees would still be reported. ASan sees bad accesses on the stack,
# in globals and in malloc'd memory, not inside the blocks of APR pools.
# clang, not gcc: gcc puts UBSan in a runtime of its own (libubsan) that,
# loaded this way, ignores log_path and, in httpd's children,
# abort_on_error too; clang's ASan runtime carries UBSan and reads both
# variables when apache2 starts.
# httpd's and APR's own idioms, which clang flags and gcc (what apxs
# uses) does not: the {NULL} end of a command table, and APR's ring macros
# (APR_BRIGADE_SENTINEL), which take an offset through a null pointer: the
# warning about it is off, and so are the UBSan checks that abort on it
# (null, object-size). ASan covers what they would catch: a null
# dereference is a SEGV it reports, an access out of bounds hits its
# redzones.
# The event run loads ModSecurity beside the module in every httpd it
# starts (EXPECT_TEST_BESIDE), at the suite's own expect:trace2: its
# error_log hook reads the memory of every request the module logs.
ASAN_CC      ?= clang
ASAN_MPMS    ?= event prefork
ASAN_BESIDE_MPM ?= event
ASAN_BESIDE  ?= unique_id security2
ASAN_CFLAGS   = -g -O1 -fPIC -shared -Wall -Wextra -Werror \
                -Wno-missing-field-initializers -Wno-null-pointer-subtraction \
                -fsanitize=address,undefined -fno-sanitize=null,object-size \
                -fno-sanitize-recover=undefined \
                -fno-omit-frame-pointer -shared-libasan
ASAN_RUNTIME  = $$($(ASAN_CC) -print-file-name=libclang_rt.asan-$$(uname -m).so)
ASAN_RUN      = $(CURDIR)/test/run/asan
ASAN_ENV      = EXPECT_TEST_MODULE=$(CURDIR)/build/asan/mod_expect.so \
    EXPECT_TEST_PRELOAD=$(ASAN_RUNTIME) \
    ASAN_OPTIONS=log_path=$(ASAN_RUN)/asan:abort_on_error=1:fast_unwind_on_malloc=0:allow_user_segv_handler=0 \
    LSAN_OPTIONS=suppressions=$(CURDIR)/test/lsan.supp:print_suppressions=0 \
    UBSAN_OPTIONS=log_path=$(ASAN_RUN)/ubsan:abort_on_error=1:print_stacktrace=1

build/asan/mod_expect.so: $(SOURCES) expect_field.h build/apxs-id
	@mkdir -p build/asan
	$(ASAN_CC) $(ASAN_CFLAGS) $(shell $(APXS) -q EXTRA_CPPFLAGS) \
	    -I$(CURDIR) $(shell $(APXS) -q EXTRA_INCLUDES) -o $@ $(SOURCES)

test-asan: deps
	$(MAKE) build/asan/mod_expect.so
	rm -rf $(ASAN_RUN) && mkdir -p -m 1777 $(ASAN_RUN)
	@status=0; for mpm in $(ASAN_MPMS); do \
	    beside=; [ $$mpm = "$(ASAN_BESIDE_MPM)" ] && beside="$(ASAN_BESIDE)"; \
	    echo "=== mod_expect tests, ASan+UBSan, $$mpm MPM$${beside:+, beside $$beside}"; \
	    $(ASAN_ENV) EXPECT_TEST_BESIDE="$$beside" EXPECT_TEST_MPM=$$mpm \
	        $(PYTHON) -m pytest -q test \
	        || { status=1; break; }; \
	done; \
	if [ -n "$$(ls -A $(ASAN_RUN))" ]; then \
	    echo "=== $$(ls $(ASAN_RUN) | wc -l) sanitizer report(s) in" \
	         "$(ASAN_RUN), the first:"; \
	    cat $$(ls -d $(ASAN_RUN)/* | head -n 1); status=1; \
	fi; \
	exit $$status

# The module built for a release that is not the one it runs in: the MMN
# of its headers says the opposite of what the core does with Expect
# (2.4.49's 20120211.107 is where upstream moved the reading before the
# post_read_request hooks). Against a core that reads it early, the MMN
# is 2.4.37's (RHEL 8's 2.4.37 is such a core); against one that reads it
# late, 2.4.49's. The policies must answer as before: the module looks at
# what the core did, not at the MMN.
SKEW_RUN   = $(CURDIR)/build/skew
SKEW_MPMS ?= event prefork
SKEW_TESTS = test/test_policies.py test/test_scopes.py test/test_unknown.py \
    test/test_desync.py test/test_outcome.py

build/skew/mod_expect.so: $(SOURCES) expect_field.h build/apxs-id
	rm -rf $(SKEW_RUN) && mkdir -p $(SKEW_RUN)
	cp -R $$($(APXS) -q exp_includedir)/. $(SKEW_RUN)/include
	minor=$$(sed -n 's/^#define MODULE_MAGIC_NUMBER_MINOR  *\([0-9]*\).*/\1/p' \
	             $(SKEW_RUN)/include/ap_mmn.h); \
	skew=$$([ "$$minor" -ge 107 ] && echo 83 || echo 107); \
	echo "=== MMN minor $$minor, the module built as for $$skew"; \
	sed -i "s/^#define MODULE_MAGIC_NUMBER_MINOR .*/#define MODULE_MAGIC_NUMBER_MINOR $$skew/" \
	    $(SKEW_RUN)/include/ap_mmn.h
	$(CC) -g -O2 -fPIC -shared -Wall -Wextra -Werror \
	    -I$(SKEW_RUN)/include $(shell $(APXS) -q EXTRA_CPPFLAGS) \
	    -I$(CURDIR) $(shell $(APXS) -q EXTRA_INCLUDES) -o $@ $(SOURCES)

test-skew: deps
	$(MAKE) build/skew/mod_expect.so
	@for mpm in $(SKEW_MPMS); do \
	    echo "=== mod_expect tests, MMN skewed, $$mpm MPM"; \
	    EXPECT_TEST_MODULE=$(SKEW_RUN)/mod_expect.so EXPECT_TEST_MPM=$$mpm \
	        $(PYTHON) -m pytest -q $(SKEW_TESTS) || exit 1; \
	done

# Most of the suite against `apache2 -X` (prefork, one process, no
# children) under valgrind's memcheck, with the module of `make all`. Left
# out: test_status.py (several children, a graceful restart), the test
# where httpd proxies to itself (that needs a second process), and
# test_proxy.py (it times a 100 Continue to 0.25 s, too short under
# valgrind). The run fails unless every valgrind log in test/run/valgrind/
# says "ERROR SUMMARY: 0 errors"; definite leaks count as errors.
VALGRIND_RUN   = $(CURDIR)/test/run/valgrind
VALGRIND_TESTS = test/test_policies.py test/test_unknown.py \
    test/test_scopes.py test/test_outcome.py test/test_desync.py \
    test/test_curl.py \
    --deselect test/test_policies.py::test_reject_behind_mod_proxy_http
VALGRIND       = valgrind --vgdb=no --num-callers=30 --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --child-silent-after-fork=yes --log-file=$(VALGRIND_RUN)/valgrind.%p

test-valgrind: deps
	$(MAKE) all
	rm -rf $(VALGRIND_RUN) && mkdir -p $(VALGRIND_RUN)
	@status=0; \
	EXPECT_TEST_MPM=prefork EXPECT_TEST_ARGS=-X \
	    EXPECT_TEST_WRAPPER="$(VALGRIND)" \
	    $(PYTHON) -m pytest -q $(VALGRIND_TESTS) || status=1; \
	logs=$$(ls $(VALGRIND_RUN)/valgrind.*) || exit 1; \
	for log in $$logs; do \
	    grep -q "ERROR SUMMARY: 0 errors" $$log || { cat $$log; status=1; }; \
	done; \
	exit $$status

# Mixed traffic, 100 clients for 25 s with two graceful restarts, under
# prefork and event: every answer checked, no crash, no growth of open
# files or resident memory beyond the bounds stated in test/load.py. Then
# once more beside ModSecurity, with the module's log at trace2.
LOAD_MPMS ?= prefork event

load: deps
	$(MAKE) all
	@for mpm in $(LOAD_MPMS); do \
	    echo "=== load test, $$mpm MPM"; \
	    $(PYTHON) test/load.py $$mpm || exit 1; \
	done
	@echo "=== load test, event MPM, beside ModSecurity at expect:trace2"
	$(PYTHON) test/load.py event --modsecurity --duration 15

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
deb: deps
	$(MAKE) all
	sh debian-pkg/build

# Installs that package here, enables it with a2enmod, and runs Debian's
# apache2 with it on a free loopback port (not the system service).
test-deb: deb
	$(PYTHON) test/deb_check.py

# An RPM for RHEL, Rocky and AlmaLinux (rpm/mod_expect.spec), built with
# the apxs of APXS into build/rpm/RPMS/ (`make rpm APXS=/usr/bin/apxs` on
# the target, with httpd-devel and rpm-build).
rpm:
	APXS=$(APXS) sh rpm/build

# Checks its file list, and that its two config files load in the suite's
# httpd and serve.
test-rpm: deps
	$(MAKE) rpm
	$(PYTHON) test/rpm_check.py

# Real client libraries (curl, PHP curl and Guzzle, Go, Java, botocore,
# aiohttp, Node) under every policy against the module and against stock
# httpd: never worse; writes CLIENTS.md. About 3 minutes.
test-clients: deps
	@sh test/install-client-deps
	$(MAKE) all
	EXPECT_TEST_MPM=event PYTHONPATH=test $(PYTHON) -m pytest -q \
	    -p no:cacheprovider test/clients/matrix.py

# The measurements of BENCHMARKS.md, which it writes anew (about 5
# minutes); not part of the tests.
bench: deps
	$(MAKE) all
	PYTHONPATH=test $(PYTHON) bench/bench.py

demo: deps
	$(MAKE) all
	$(PYTHON) test/demo.py

clean:
	rm -rf .libs *.la *.lo *.o *.slo test/expect_field_test \
	       test/__pycache__ test/.pytest_cache \
	       test/run .pytest_cache fuzz/fuzz_expect_field fuzz/run \
	       build libapache2-mod-expect_*.deb
