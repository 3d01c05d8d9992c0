/* Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/*
 * mod_expect: per-server, per-directory and per-.htaccess control of
 * "Expect: 100-continue".
 *
 *   ExpectPolicy continue       100 Continue when a handler reads the
 *                               body (default)
 *   ExpectPolicy immediate      100 Continue as soon as the request has
 *                               passed access control
 *   ExpectPolicy ignore         never 100 Continue; Expect is hidden from
 *                               handlers, CGI and proxied backends
 *   ExpectPolicy reject         417 Expectation Failed before any body
 *                               byte is read
 *   ExpectIgnoreGrace secs|off  how long after the request's arrival
 *                               "ignore" waits for a body a handler reads
 *                               before it sends 100 after all (default 2)
 *   ExpectClientQuirks On|Off   clients known to fare worse without a 100
 *                               (Java's) get it as on stock httpd (On)
 *   ExpectAnnounceClose On|Off  whether the 417 of "reject" says
 *                               "Connection: close" (default On; Off: a
 *                               quiet close, libcurl retries at once)
 *   ExpectUnknown reject|ignore server and virtual host: what to do with
 *                               expectations other than 100-continue; set
 *                               anywhere, the module parses every Expect
 *                               field itself (expect_field.c)
 *
 * The environment variable "expect-policy" (SetEnvIf, or RewriteRule
 * [E=...] in server context) overrides ExpectPolicy per request;
 * "expect-100-first" (BrowserMatch) sends a 100 before any final response
 * to clients that hang without one. EXPECT_OUTCOME tells the access log
 * what became of the expectation.
 *
 * No body is ever lost: whatever reads the body reads all of it. The body
 * is left unread (no 100, the connection closed after the response) only
 * for an error response, or when no handler took the request and no input
 * filter of the request's own may consume what the core's default handler
 * discards. The module never reads the connection's keep-alive state as a
 * signal; handlers (mod_reflector) take AP_CONN_CLOSE as "do not read".
 *
 * Example:
 *
 *   LoadModule expect_module modules/mod_expect.so
 *   ExpectPolicy continue
 *   <Location "/upload">
 *       ExpectPolicy immediate
 *   </Location>
 *   <Directory "/var/www/static">
 *       ExpectPolicy reject
 *       ErrorDocument 417 "Send the body without Expect: 100-continue"
 *   </Directory>
 *
 * Every hook and filter, in the order a request meets them:
 *
 *   pre_connection      only where some server sets ExpectUnknown (the
 *                       directive registers it, and the next two): adds
 *                       EXPECT_HEAD to a client's HTTP/1.x connection
 *   pre_read_request    a head begins: EXPECT_HEAD looks at its lines; on
 *                       HTTP/2, takes Expect from the header table
 *   EXPECT_HEAD         connection input filter: keeps the Expect lines
 *                       of a head aside; passes every other read on
 *   post_read_request   judges the field kept from the core; server
 *                       config only
 *   header_parser       the first hook with <Directory>, <Location>, <If>
 *                       and .htaccess merged, and the first where every
 *                       release has read Expect: an expectation only
 *                       stands for HTTP/1.1+ requests with content (RFC
 *                       9110 10.1.1); decides the policy, rejects
 *                       or ignores before anything reads the body; after
 *                       an internal redirect, watches the body again, or
 *                       for a local ErrorDocument leaves it unread
 *   EXPECT_BODY's init  access control and the fixups have passed, the
 *                       handler is next: "immediate" sends 100 (a
 *                       filter's init, not a fixups hook: only requests
 *                       with an expectation have the filter)
 *   handler             just before the core's default handler, which
 *                       only discards the body: leave it unread, unless
 *                       an input filter of the request may consume it
 *   EXPECT_BODY         input filter above HTTP_IN: marks the first read,
 *                       ends every read of a body left unread; under
 *                       "ignore", sends the 100 after ExpectIgnoreGrace
 *   insert_error_filter an error response while the body is pending
 *   EXPECT_RESPONSE     output filter above HTTP_HEADER: a 100 before the
 *                       final response (expect-100-first); under
 *                       "ignore", close when the response starts before
 *                       the body; at the end, EXPECT_OUTCOME
 *   EXPECT_QUIET_CLOSE  the 417 of "reject" without "Connection: close"
 *   EXPECT_FIN          ... written with the FIN in the same segment
 *   request pool cleanup  counts the outcome (server-status)
 *   post_config, status_hook  the shared counters
 *
 * What the module relies on in httpd's core:
 *
 *   r->expecting_100    set for "Expect: 100-continue" before header_parser:
 *                       from 2.4.49 (and in RHEL 8's 2.4.37) before the
 *                       post_read_request hooks, before that after them;
 *                       the module reads it only once both have passed.
 *                       Cleared when the 100 goes out
 *   HTTP_IN             sends 100 on the first blocking read of the body,
 *                       unless the status is an error; ap_set_keepalive()
 *                       closes a connection whose 100 is still pending
 *   ap_send_interim_response()  before 2.4.48 writes r->status_line as it
 *                       is (expect_send_continue() sets it)
 *   the 417 of the core for unknown expectations: from 2.4.49 before the
 *                       post_read_request hooks, before that after them
 *   mod_proxy_http      Proxy100Continue from 2.4.40; before 2.4.54 it
 *                       forwards Expect after httpd's own 100
 *   mod_http2           2.4.49 to 2.4.54 run pre_read_request before the
 *                       header fields exist: seen there, and said (EX016)
 *   core_dir_config and core_request_config (http_core.h): whether an
 *                       ErrorDocument 417 applies; no unpublished API
 */

#include "httpd.h"
#include "http_config.h"
#include "http_connection.h"
#include "http_core.h"
#include "http_log.h"
#include "http_protocol.h"
#include "http_request.h"
#include "mod_core.h"

#include "mod_ssl.h"
#include "mod_status.h"

#include "apr_atomic.h"
#include "apr_hash.h"
#include "apr_lib.h"
#include "apr_shm.h"
#include "apr_strings.h"
#include "apr_version.h"

#include "expect_field.h"

/* The oldest release proven (RHEL 8's); MMN 20120211.83 is 2.4.37. */
#if !AP_MODULE_MAGIC_AT_LEAST(20120211, 83)
#error "mod_expect needs Apache httpd 2.4.37 or later"
#endif

/* What the core does with Expect differs between releases, and vendors
 * backport (RHEL 8's 2.4.37 reads it as 2.4.49 does, with 2.4.37's MMN):
 * the module looks at what the core has done, never at its version. */

module AP_MODULE_DECLARE_DATA expect_module;

#define MOD_EXPECT_VERSION "1.0.0"

/* Each message starts with a stable tag of the module's own, as httpd's
 * APLOGNO() gives its own ("AHnnnnn"): the README's log table and the
 * tests name messages by it. */
#define EXPECT_LOGNO(n) "mod_expect: EX" #n ": "

#define EXPECT_POLICY_ENV "expect-policy"
#define EXPECT_100_FIRST_ENV "expect-100-first"
#define EXPECT_OUTCOME_ENV "EXPECT_OUTCOME"
#define EXPECT_POLICY_KEYWORDS "continue|immediate|ignore|reject"

#define EXPECT_UNSET -1

/* ExpectIgnoreGrace, from the request's arrival: a second away from every
 * known client's 100-continue timer (README, "ExpectIgnoreGrace"): after
 * those of curl, PHP, Go, botocore and .NET (1 s at most), before those
 * of Apache HttpClient (3 s) and HttpURLConnection (5 s); far under
 * httpd's Timeout and mod_reqtimeout's body timeout. */
#define EXPECT_IGNORE_GRACE_DEFAULT apr_time_from_sec(2)
#define EXPECT_IGNORE_GRACE_MAX 3600
/* How often the body is looked for during that grace period. */
#define EXPECT_IGNORE_POLL apr_time_from_msec(20)

/* Hooks that run for every request test their common case (no Expect)
 * first and keep the rest out of line, so that it costs them a few
 * instructions (BENCHMARKS.md). */
#if defined(__GNUC__)
#define EXPECT_NOINLINE __attribute__((noinline))
#else
#define EXPECT_NOINLINE
#endif

/* --------------------------------------------------------------------
 * Configuration
 */

typedef enum {
    EXPECT_POLICY_UNSET = 0,
    EXPECT_POLICY_CONTINUE,
    EXPECT_POLICY_IMMEDIATE,
    EXPECT_POLICY_IGNORE,
    EXPECT_POLICY_REJECT
} expect_policy_e;

#define EXPECT_POLICY_DEFAULT EXPECT_POLICY_CONTINUE

typedef enum {
    EXPECT_UNKNOWN_REJECT = 0,
    EXPECT_UNKNOWN_IGNORE
} expect_unknown_e;

typedef struct {
    int unknown;                /* EXPECT_UNSET or an expect_unknown_e */
} expect_srv_conf;

typedef struct {
    expect_policy_e policy;
    int announce_close;         /* Connection: close on our 417s: EXPECT_UNSET
                                 * is On */
    apr_interval_time_t ignore_grace;   /* EXPECT_UNSET, or 0: never */
    int client_quirks;          /* ExpectClientQuirks: EXPECT_UNSET is On */
} expect_dir_conf;

/* Some server sets ExpectUnknown: the module parses the Expect field
 * itself, taken before the core refuses or joins it. Set, with the
 * hooks that take it, while the configuration is read. */
static int expect_take_field;

static int expect_pre_connection(conn_rec *c, void *csd);
static void expect_pre_read_request(request_rec *r, conn_rec *c);
static int expect_post_read_request(request_rec *r);

static void *expect_create_dir_conf(apr_pool_t *p, char *dummy)
{
    expect_dir_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)dummy;
    conf->policy = EXPECT_POLICY_UNSET;
    conf->announce_close = EXPECT_UNSET;
    conf->ignore_grace = EXPECT_UNSET;
    conf->client_quirks = EXPECT_UNSET;
    return conf;
}

static void *expect_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    expect_dir_conf *base = basev;
    expect_dir_conf *add = addv;
    expect_dir_conf *new = apr_pcalloc(p, sizeof(*new));

    new->policy = add->policy == EXPECT_POLICY_UNSET ? base->policy
                                                     : add->policy;
    new->announce_close = add->announce_close == EXPECT_UNSET
                          ? base->announce_close : add->announce_close;
    new->ignore_grace = add->ignore_grace == EXPECT_UNSET
                        ? base->ignore_grace : add->ignore_grace;
    new->client_quirks = add->client_quirks == EXPECT_UNSET
                         ? base->client_quirks : add->client_quirks;
    return new;
}

static void *expect_create_srv_conf(apr_pool_t *p, server_rec *s)
{
    expect_srv_conf *conf = apr_pcalloc(p, sizeof(*conf));

    (void)s;
    conf->unknown = EXPECT_UNSET;
    return conf;
}

static void *expect_merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    expect_srv_conf *base = basev;
    expect_srv_conf *add = addv;
    expect_srv_conf *new = apr_pcalloc(p, sizeof(*new));

    new->unknown = add->unknown == EXPECT_UNSET ? base->unknown
                                                : add->unknown;
    return new;
}

static expect_policy_e expect_parse_policy(const char *word)
{
    if (!strcasecmp(word, "continue")) {
        return EXPECT_POLICY_CONTINUE;
    }
    if (!strcasecmp(word, "immediate")) {
        return EXPECT_POLICY_IMMEDIATE;
    }
    if (!strcasecmp(word, "ignore")) {
        return EXPECT_POLICY_IGNORE;
    }
    if (!strcasecmp(word, "reject")) {
        return EXPECT_POLICY_REJECT;
    }
    return EXPECT_POLICY_UNSET;
}

static const char *expect_policy_name(expect_policy_e policy)
{
    switch (policy) {
    case EXPECT_POLICY_IMMEDIATE:
        return "immediate";
    case EXPECT_POLICY_IGNORE:
        return "ignore";
    case EXPECT_POLICY_REJECT:
        return "reject";
    default:
        return "continue";
    }
}

static const char *expect_set_policy(cmd_parms *cmd, void *dconf,
                                     const char *arg)
{
    expect_dir_conf *conf = dconf;
    /* A per-method setting would silently apply to every method. */
    const char *err = ap_check_cmd_context(cmd, NOT_IN_LIMIT);

    if (err) {
        return err;
    }
    conf->policy = expect_parse_policy(arg);
    if (conf->policy == EXPECT_POLICY_UNSET) {
        return apr_psprintf(cmd->temp_pool, "%s must be one of "
                            EXPECT_POLICY_KEYWORDS ", not '%s'",
                            cmd->cmd->name, arg);
    }
    return NULL;
}

/* ExpectAnnounceClose, ExpectClientQuirks: the int field at cmd->info. */
static const char *expect_set_flag(cmd_parms *cmd, void *dconf, int flag)
{
    const char *err = ap_check_cmd_context(cmd, NOT_IN_LIMIT);

    return err ? err : ap_set_flag_slot(cmd, dconf, flag);
}

static const char *expect_set_ignore_grace(cmd_parms *cmd, void *dconf,
                                           const char *arg)
{
    expect_dir_conf *conf = dconf;
    const char *err = ap_check_cmd_context(cmd, NOT_IN_LIMIT);
    const char *c;

    if (err) {
        return err;
    }
    for (c = arg; apr_isdigit(*c); c++)
        ;
    if (!strcasecmp(arg, "off")) {
        conf->ignore_grace = 0;
    }
    else if (*arg && !*c && c - arg <= 4
             && atoi(arg) <= EXPECT_IGNORE_GRACE_MAX) {
        conf->ignore_grace = apr_time_from_sec(atoi(arg));
    }
    else {
        return apr_psprintf(cmd->temp_pool, "%s must be a number of "
                            "seconds from 0 to %d, or off, not '%s'",
                            cmd->cmd->name, EXPECT_IGNORE_GRACE_MAX, arg);
    }
    return NULL;
}

/* The configuration is gone (a restart), and with it every hook. */
static apr_status_t expect_forget_field(void *unused)
{
    (void)unused;
    expect_take_field = 0;
    return APR_SUCCESS;
}

static const char *expect_set_unknown(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    expect_srv_conf *conf = ap_get_module_config(cmd->server->module_config,
                                                 &expect_module);

    (void)dconf;
    if (!strcasecmp(arg, "reject")) {
        conf->unknown = EXPECT_UNKNOWN_REJECT;
    }
    else if (!strcasecmp(arg, "ignore")) {
        conf->unknown = EXPECT_UNKNOWN_IGNORE;
    }
    else {
        return apr_psprintf(cmd->temp_pool, "%s must be one of "
                            "reject|ignore, not '%s'", cmd->cmd->name, arg);
    }
    if (!expect_take_field) {
        /* Only servers that ask for it pay for these hooks. httpd sorts
         * the hooks again once the configuration is read (main.c:
         * "ap_process_config_tree may have add[ed] ... hooks"), and
         * deregisters them all when pconf is cleared. EXPECT_HEAD on
         * every connection; before the core looks at Expect. */
        ap_hook_pre_connection(expect_pre_connection, NULL, NULL,
                               APR_HOOK_MIDDLE);
        ap_hook_pre_read_request(expect_pre_read_request, NULL, NULL,
                                 APR_HOOK_MIDDLE);
        /* A refusal before mod_setenvif and friends look at the request;
         * only server/vhost config is visible here. */
        ap_hook_post_read_request(expect_post_read_request, NULL, NULL,
                                  APR_HOOK_REALLY_FIRST);
        apr_pool_pre_cleanup_register(cmd->pool, NULL, expect_forget_field);
        expect_take_field = 1;
    }
    return NULL;
}

/* --------------------------------------------------------------------
 * The request record
 */

/* What became of an expectation: EXPECT_OUTCOME and the counters. */
typedef enum {
    EXPECT_OUTCOME_PENDING = 0, /* the core's 100 decides: continue/unread */
    EXPECT_OUTCOME_CONTINUE,
    EXPECT_OUTCOME_IMMEDIATE,
    EXPECT_OUTCOME_IGNORED,
    EXPECT_OUTCOME_REJECTED,
    EXPECT_OUTCOME_UNREAD,
    EXPECT_OUTCOME_DROPPED,
    EXPECT_OUTCOME_UNKNOWN_IGNORED,
    EXPECT_OUTCOME_UNKNOWN_REJECTED,
    EXPECT_OUTCOME_INVALID,
    EXPECT_OUTCOMES
} expect_outcome_e;

/* EXPECT_OUTCOME values, and the server-status names after "Expect". */
static const struct {
    const char *value;
    const char *counter;
} expect_outcomes[EXPECT_OUTCOMES] = {
    { NULL, NULL },             /* pending: known at the end */
    { "continue", "Continue" },
    { "immediate", "Immediate" },
    { "ignored", "Ignored" },
    { "rejected", "Rejected" },
    { "unread", "Unread" },
    { "dropped", "Dropped" },
    { "unknown-ignored", "UnknownIgnored" },
    { "unknown-rejected", "UnknownRejected" },
    { "invalid", "Invalid" }
};

/* Per request, only for requests that arrived with an expectation, or
 * whose Expect field the module takes from the core's sight. It belongs
 * to the request that arrived, also after an internal redirect. */
typedef struct {
    expect_policy_e policy;     /* UNSET until header_parser decides */
    expect_outcome_e outcome;
    char *field;                /* the Expect field taken, lines joined */
    apr_size_t field_len;
    int field_folded;           /* continued by an obs-fold line */
    int field_too_long;         /* over LimitRequestFieldSize */
    int body_read;              /* a read of the body reached the core */
    int body_unread;            /* the body is left unread: every read of
                                 * it ends at once, and so does the
                                 * connection after the response */
    int continue_first;         /* expect-100-first: a 100 Continue goes
                                 * before any final response */
    int discard_reads;          /* the default handler's discard reads the
                                 * body, as in stock httpd (a client that
                                 * throws on an answer without a 100) */
    int response_started;       /* the final response has begun */
    apr_interval_time_t ignore_grace;   /* 0 once its 100 is sent */
} expect_req_t;

static apr_status_t expect_count_outcome(void *data);

/* The request that arrived; an internal redirect (a local-URL
 * ErrorDocument) has a request_rec of its own. */
static request_rec *expect_original(request_rec *r)
{
    while (r->prev) {
        r = r->prev;
    }
    return r;
}

/* The record of the request, NULL for a request without one. The one way
 * to find it. */
static expect_req_t *expect_req_of(request_rec *r)
{
    return ap_get_module_config(expect_original(r)->request_config,
                                &expect_module);
}

/* The record, made on first use; its outcome is counted when the request
 * ends. The one place that makes it. */
static expect_req_t *expect_req_make(request_rec *r)
{
    expect_req_t *req = expect_req_of(r);

    if (!req) {
        r = expect_original(r);
        req = apr_pcalloc(r->pool, sizeof(*req));
        ap_set_module_config(r->request_config, &expect_module, req);
        apr_pool_cleanup_register(r->pool, req, expect_count_outcome,
                                  apr_pool_cleanup_null);
    }
    return req;
}

/* EXPECT_OUTCOME for the access log, e.g. %{EXPECT_OUTCOME}e, once the
 * outcome is known (a pending one at the end of the response), on the
 * request at hand, which mod_log_config logs when it is the last of an
 * internal redirect, and on the one that arrived. */
static void expect_show_outcome(request_rec *r, expect_req_t *req)
{
    const char *value = expect_outcomes[req->outcome].value;

    if (req->outcome == EXPECT_OUTCOME_PENDING) {
        return;
    }
    apr_table_setn(r->subprocess_env, EXPECT_OUTCOME_ENV, value);
    if (r->prev) {
        apr_table_setn(expect_original(r)->subprocess_env,
                       EXPECT_OUTCOME_ENV, value);
    }
}

/* Logged here, while the request is whole: when it is counted, its pool
 * is going and other modules' error_log hooks must not see it. */
static void expect_set_outcome(request_rec *r, expect_req_t *req,
                               expect_outcome_e outcome)
{
    req->outcome = outcome;
    expect_show_outcome(r, req);
    ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r, EXPECT_LOGNO(014)
                  "outcome %s", expect_outcomes[outcome].value);
}

/* --------------------------------------------------------------------
 * The connection's fate: the only writes of c->keepalive
 */

static int expect_closing(conn_rec *c)
{
    return c->keepalive == AP_CONN_CLOSE;
}

/* The connection ends after the response: nothing that follows on it is
 * read as a request. */
static void expect_close_connection(request_rec *r, const char *why)
{
    ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r, EXPECT_LOGNO(002)
                  "closing the connection after the response (%s)", why);
    r->connection->keepalive = AP_CONN_CLOSE;
}

/* The response is made without the body: it is never asked for, every
 * later read of it ends at once (expect_body_filter), and the connection
 * closes after the response, where lingering close drains what the
 * client sends anyway without parsing it as a request. */
static void expect_leave_body_unread(request_rec *r, expect_req_t *req,
                                     const char *why)
{
    req->body_unread = 1;
    if (req->outcome == EXPECT_OUTCOME_PENDING) {
        expect_set_outcome(r, req, EXPECT_OUTCOME_UNREAD);
    }
    expect_close_connection(r, why);
}

/* A quiet close (EXPECT_QUIET_CLOSE): ap_set_keepalive(), in the header
 * filter below, must not see the connection's fate, which is sealed again
 * once the head has passed. */
static void expect_hide_close(conn_rec *c)
{
    c->keepalive = AP_CONN_UNKNOWN;
}

static void expect_seal_close(conn_rec *c)
{
    c->keepalive = AP_CONN_CLOSE;
}

/* --------------------------------------------------------------------
 * The Expect field kept from the core (ExpectUnknown)
 */

/* Per HTTP/1.x connection, where some server sets ExpectUnknown: the
 * head being read, line by line as ap_rgetline() asks for it. */
typedef struct {
    /* The request whose head is read, from pre_read_request to the blank
     * line that ends it, else NULL. It outlives the request only where
     * the connection ends with it (a request line that fails, HTTP/0.9),
     * and is looked at only for a line read, which none of those paths
     * makes. */
    request_rec *r;
    expect_req_t *req;          /* its record, once an Expect line came */
    int line_open;              /* the last read ended inside a line */
    int in_field;               /* that line is an Expect line */
    ap_filter_t *f;             /* EXPECT_HEAD */
    apr_bucket_brigade *more;   /* for a line that comes in small pieces */
    /* The read at hand, kept here rather than on the stack of the
     * function that looks at it, which then has little to save. */
    apr_read_type_e block;
    apr_off_t readbytes;
    const char *data;
    apr_size_t len;
} expect_head_t;

static ap_filter_rec_t *expect_head_handle;

/* The field kept aside has room for LimitRequestFieldSize bytes, and for
 * the field name and CR LF of a read, copied before they are dropped. */
#define EXPECT_FIELD_SLACK 16

/* Where the next read of the Expect field goes. */
static char *expect_field_end(request_rec *r, expect_req_t *req)
{
    if (!req->field) {
        req->field = apr_palloc(r->pool, r->server->limit_req_fieldsize
                                         + EXPECT_FIELD_SLACK + 1);
    }
    return req->field + req->field_len;
}

/* Appends one read of a line of the Expect field, CR LF stripped; data
 * may already stand at the field's end. */
static void expect_keep_field(request_rec *r, expect_req_t *req,
                              const char *data, apr_size_t len)
{
    apr_size_t limit = r->server->limit_req_fieldsize;

    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r')) {
        len--;
    }
    if (req->field_len + len + 2 > limit) {
        req->field_too_long = 1;
        return;
    }
    memmove(expect_field_end(r, req), data, len);
    req->field_len += len;
    req->field[req->field_len] = '\0';
}

/* Registered by ExpectUnknown. Once per connection of a client (not on
 * mod_proxy's connections to its backends where httpd says which those
 * are, nor on HTTP/2 streams): every read of the connection passes
 * EXPECT_HEAD, which looks at lines only while a head is read. */
static int expect_pre_connection(conn_rec *c, void *csd)
{
    expect_head_t *head;

    (void)csd;
#if AP_MODULE_MAGIC_AT_LEAST(20120211, 116)
    if (c->outgoing) {
        return DECLINED;
    }
#endif
    if (c->master) {
        return DECLINED;
    }
    head = apr_pcalloc(c->pool, sizeof(*head));
    ap_set_module_config(c->conn_config, &expect_module, head);
    head->f = ap_add_input_filter_handle(expect_head_handle, head, NULL, c);
    return DECLINED;
}

/* HTTP/2: the header table is already there, but for mod_http2 of
 * 2.4.49 to 2.4.54, which fills it after pre_read_request (it has Host,
 * from :authority, otherwise). */
static EXPECT_NOINLINE void expect_take_h2_field(request_rec *r)
{
    const char *field = apr_table_getm(r->pool, r->headers_in, "Expect");
    static volatile int h2_unseen_said;

    if (apr_is_empty_table(r->headers_in) && !h2_unseen_said) {
        h2_unseen_said = 1;     /* once per child; a race says it twice */
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, r->server,
                     EXPECT_LOGNO(016) "ExpectUnknown does not apply to "
                     "HTTP/2 requests here: this mod_http2 (httpd 2.4.49 "
                     "to 2.4.54) hides their header fields from the "
                     "module, and the core refuses their unknown "
                     "expectations with 417");
    }
    if (field) {
        expect_keep_field(r, expect_req_make(r), field, strlen(field));
        apr_table_unset(r->headers_in, "Expect");
    }
}

/* Takes the Expect field from the core's sight: the core would refuse
 * unknown expectations before any other hook, and join a folded Expect
 * line into "100-continue". Registered by ExpectUnknown. */
static void expect_pre_read_request(request_rec *r, conn_rec *c)
{
    expect_head_t *head;

    if (c->master) {
        expect_take_h2_field(r);
        return;
    }
    head = ap_get_module_config(c->conn_config, &expect_module);
    if (head) {
        head->r = r;
        head->req = NULL;
        head->line_open = head->in_field = 0;
    }
}

/* Enough of a line that begins to tell what it is: up to its LF, or this
 * many bytes. A filter below may hand a line over in smaller pieces
 * (mod_tls, whatever it has decrypted so far): the core would read on
 * for the rest of the line anyway. */
#define EXPECT_LINE_START 8

static apr_status_t expect_head_start(expect_head_t *head,
                                      apr_bucket_brigade *bb,
                                      char *start, apr_size_t *n)
{
    for (;;) {
        apr_status_t rv;
        int empty;

        *n = EXPECT_LINE_START;
        rv = apr_brigade_flatten(bb, start, n);
        if (rv != APR_SUCCESS || *n == EXPECT_LINE_START
            || memchr(start, '\n', *n)) {
            return rv;
        }
        if (!head->more) {
            head->more = apr_brigade_create(head->f->c->pool,
                                            head->f->c->bucket_alloc);
        }
        rv = ap_get_brigade(head->f->next, head->more, AP_MODE_GETLINE,
                            head->block, head->readbytes);
        empty = APR_BRIGADE_EMPTY(head->more);
        APR_BRIGADE_CONCAT(bb, head->more);
        if (rv != APR_SUCCESS || empty) {
            return rv;
        }
    }
}

/* The read ends with the line's LF. */
static int expect_ends_line(apr_bucket_brigade *bb)
{
    apr_bucket *e;

    for (e = APR_BRIGADE_LAST(bb); e != APR_BRIGADE_SENTINEL(bb);
         e = APR_BUCKET_PREV(e)) {
        const char *data;
        apr_size_t len;

        if (!APR_BUCKET_IS_METADATA(e)
            && apr_bucket_read(e, &data, &len, APR_BLOCK_READ) == APR_SUCCESS
            && len) {
            return data[len - 1] == '\n';
        }
    }
    return 0;
}

/* Copies a read of a line of the Expect field into the field kept aside:
 * after ", " and without the field name and the whitespace after it
 * when the line begins, without CR LF. A field that outgrows
 * LimitRequestFieldSize is refused at once: APR_ENOSPC, which the core
 * answers with 400 as for any field that long, and nothing more of it
 * is read. */
static apr_status_t expect_keep_piece(expect_head_t *head,
                                      apr_bucket_brigade *bb, int begins,
                                      int more)
{
    request_rec *r = head->r;
    expect_req_t *req = head->req;
    apr_off_t len = 0;

    if (more) {
        expect_keep_field(r, req, ", ", 2);
    }
    if (!req->field_too_long
        && apr_brigade_length(bb, 1, &len) == APR_SUCCESS
        && req->field_len + (apr_size_t)len
           <= (apr_size_t)r->server->limit_req_fieldsize
              + EXPECT_FIELD_SLACK) {
        /* Read in place, then moved over the field name. */
        char *data = expect_field_end(r, req);
        apr_size_t n = (apr_size_t)len, skip = 0;

        if (apr_brigade_flatten(bb, data, &n) == APR_SUCCESS) {
            if (begins) {
                for (skip = 7; skip < n && (data[skip] == ' '
                                            || data[skip] == '\t'); skip++)
                    ;
            }
            expect_keep_field(r, req, data + skip, n - skip);
            if (!req->field_too_long) {
                return APR_SUCCESS;
            }
        }
    }
    req->field_too_long = 1;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EXPECT_LOGNO(003)
                  "refusing an Expect field over LimitRequestFieldSize");
    expect_set_outcome(r, req, EXPECT_OUTCOME_INVALID);
    expect_close_connection(r, "a malformed Expect field");
    return APR_ENOSPC;
}

/* A line that is, or continues, a line of the Expect field, or that came
 * in pieces. An Expect line (and its obs-fold continuations) is kept
 * aside, and the next line read and returned instead. */
static EXPECT_NOINLINE apr_status_t expect_head_take(expect_head_t *head,
                                                    apr_bucket_brigade *bb)
{
    for (;;) {
        apr_status_t rv;
        int begins = 0, more = 0;

        if (!head->line_open) {
            char start[EXPECT_LINE_START];
            apr_size_t n;

            rv = expect_head_start(head, bb, start, &n);
            if (rv != APR_SUCCESS || n == 0) {
                return rv;
            }
            if ((n == 1 && start[0] == '\n')
                || (n == 2 && start[0] == '\r' && start[1] == '\n')) {
                head->r = NULL;     /* the end of the head */
                return APR_SUCCESS;
            }
            if (head->in_field && (start[0] == ' ' || start[0] == '\t')) {
                head->req->field_folded = 1;
            }
            else if (n >= 7 && !strncasecmp(start, "Expect:", 7)) {
                begins = 1;
                more = head->req != NULL;
                if (!head->req) {
                    head->req = expect_req_make(head->r);
                }
                head->in_field = 1;
            }
            else {
                head->in_field = 0;
            }
        }
        head->line_open = !expect_ends_line(bb);
        if (!head->in_field) {
            return APR_SUCCESS;
        }
        rv = expect_keep_piece(head, bb, begins, more);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        apr_brigade_cleanup(bb);
        rv = ap_get_brigade(head->f->next, bb, AP_MODE_GETLINE, head->block,
                            head->readbytes);
        if (rv != APR_SUCCESS) {
            return rv;
        }
    }
}

/* A line of the head after the request line. The common case, a whole
 * line in one bucket that is not of the Expect field, is looked at in
 * place: its first byte, and its last. */
static EXPECT_NOINLINE apr_status_t expect_head_line(expect_head_t *head,
                                                    apr_bucket_brigade *bb)
{
    apr_status_t rv = ap_get_brigade(head->f->next, bb, AP_MODE_GETLINE,
                                     head->block, head->readbytes);
    apr_bucket *e = APR_BRIGADE_FIRST(bb);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (!head->line_open && !head->in_field
        && e != APR_BRIGADE_SENTINEL(bb)
        && APR_BUCKET_NEXT(e) == APR_BRIGADE_SENTINEL(bb)
        && apr_bucket_read(e, &head->data, &head->len, APR_BLOCK_READ)
           == APR_SUCCESS
        && head->len && head->data[head->len - 1] == '\n') {
        unsigned char first = head->data[0];

        if (first > ' ' && (first | 0x20) != 'e') {
            return APR_SUCCESS;     /* a field other than Expect */
        }
        if (head->len == 1 || (head->len == 2 && first == '\r')) {
            head->r = NULL;         /* the blank line: the end of the head */
            return APR_SUCCESS;
        }
    }
    return expect_head_take(head, bb);
}

/* Every read of the connection. Lines are looked at only between the
 * request line, once parsed (r->protocol), and the blank line that ends
 * the head: neither a body nor the look ahead for a pipelined request
 * is. */
static apr_status_t expect_head_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                       ap_input_mode_t mode,
                                       apr_read_type_e block,
                                       apr_off_t readbytes)
{
    expect_head_t *head = f->ctx;

    if (head->r && mode == AP_MODE_GETLINE && head->r->protocol) {
        head->block = block;
        head->readbytes = readbytes;
        return expect_head_line(head, bb);
    }
    return ap_get_brigade(f->next, bb, mode, block, readbytes);
}

static void expect_set_continue(request_rec *r)
{
    apr_table_setn(r->headers_in, "Expect", "100-continue");
    r->expecting_100 = 1;
}

static int expect_refuse(request_rec *r, const char *field);

/* The Expect field taken from the core's sight (expect_head_filter, or
 * HTTP/2's header table), judged with the virtual host now known. */
static EXPECT_NOINLINE int expect_judge_field(request_rec *r,
                                              expect_req_t *req)
{
    expect_srv_conf *conf = ap_get_module_config(r->server->module_config,
                                                 &expect_module);
    expect_field_t info;
    expect_field_e kind;

    if (req->field_too_long || req->field_folded) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EXPECT_LOGNO(003)
                      "refusing an Expect field %s", req->field_too_long
                      ? "over LimitRequestFieldSize" : "with obs-fold");
        expect_set_outcome(r, req, EXPECT_OUTCOME_INVALID);
        expect_close_connection(r, "a malformed Expect field");
        return HTTP_BAD_REQUEST;
    }
    kind = expect_field_parse(req->field, req->field_len, &info);
    if (kind == EXPECT_FIELD_NONE) {
        /* as the core: no Expect */
        expect_set_outcome(r, req, EXPECT_OUTCOME_DROPPED);
        return OK;
    }
    if (kind == EXPECT_FIELD_CONTINUE) {
        expect_set_continue(r);
        return OK;
    }
    if (kind == EXPECT_FIELD_UNKNOWN
        && conf->unknown == EXPECT_UNKNOWN_IGNORE) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EXPECT_LOGNO(004)
                      "ignoring %u unknown expectation(s) in 'Expect: %s' "
                      "(ExpectUnknown ignore)", info.unknowns,
                      ap_escape_logitem(r->pool, req->field));
        if (info.continues) {
            expect_set_continue(r);
        }
        else {
            expect_set_outcome(r, req, EXPECT_OUTCOME_UNKNOWN_IGNORED);
        }
        return OK;
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EXPECT_LOGNO(005)
                  "refusing %s 'Expect: %s'", expect_field_name(kind),
                  ap_escape_logitem(r->pool, req->field));
    expect_set_outcome(r, req, kind == EXPECT_FIELD_UNKNOWN
                               ? EXPECT_OUTCOME_UNKNOWN_REJECTED
                               : EXPECT_OUTCOME_INVALID);
    /* Never leave the body to be read as the next request. */
    expect_close_connection(r, "a refused Expect field");
    return expect_refuse(r, req->field);
}

/* --------------------------------------------------------------------
 * The policy
 */

static ap_filter_rec_t *expect_body_handle;
static ap_filter_rec_t *expect_response_handle;

/* The directive, unless the request's "expect-policy" variable says
 * otherwise. */
static expect_policy_e expect_decide_policy(request_rec *r)
{
    expect_dir_conf *conf = ap_get_module_config(r->per_dir_config,
                                                 &expect_module);
    const char *env = apr_table_get(r->subprocess_env, EXPECT_POLICY_ENV);

    if (env) {
        expect_policy_e policy = expect_parse_policy(env);

        if (policy != EXPECT_POLICY_UNSET) {
            return policy;
        }
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EXPECT_LOGNO(001)
                      "ignoring environment variable " EXPECT_POLICY_ENV
                      "=%s: must be one of " EXPECT_POLICY_KEYWORDS, env);
    }
    return conf->policy == EXPECT_POLICY_UNSET ? EXPECT_POLICY_DEFAULT
                                               : conf->policy;
}

/* Clients that fare worse than on stock httpd where the module withholds
 * a 100, known by their User-Agent (ExpectClientQuirks Off: none), and
 * whatever the expect-100-first variable adds:
 *  - java.net.http.HttpClient of JDK 11 to 19, expectContinue(true)
 *    ("Java-http-client/17.0.15"), waits forever for a 100 when a final
 *    response comes first (JDK-8286171, fixed in JDK 20): a 100 goes
 *    before any final response.
 *  - HttpURLConnection ("Java/17.0.15") waits 5 s for a 100, then throws
 *    on any other answer ("Server rejected operation"), where stock httpd
 *    sends the 100 for the default handler's discard: that discard reads
 *    the body again. Its 417 still goes alone: the JDK loses a 417 that
 *    comes in the same read as a 100 ("Unexpected end of file"), and
 *    reads one that comes alone (getResponseCode()). */
static void expect_know_client(request_rec *r, expect_req_t *req,
                               const expect_dir_conf *conf)
{
    const char *agent;

    req->continue_first = apr_table_get(r->subprocess_env,
                                        EXPECT_100_FIRST_ENV) != NULL;
    if (req->continue_first || !conf->client_quirks
        || !(agent = apr_table_get(r->headers_in, "User-Agent"))) {
        return;
    }
    if (!strncmp(agent, "Java-http-client/1", 18)
        && agent[18] >= '1' && agent[18] <= '9' && agent[19] == '.') {
        req->continue_first = 1;
    }
    else if (!strncmp(agent, "Java/", 5)) {
        req->discard_reads = 1;
    }
}

static int expect_has_content(request_rec *r)
{
    const char *cl;

    if (apr_table_get(r->headers_in, "Transfer-Encoding")) {
        return 1;
    }
    cl = apr_table_get(r->headers_in, "Content-Length");
    /* The core has already refused invalid lengths with 400. */
    return cl && apr_atoi64(cl) > 0;
}

/* The declared length is over LimitRequestBody: the core answers 413 on
 * the first read, before any 100 Continue. */
static int expect_over_limit(request_rec *r)
{
    apr_off_t limit = ap_get_limit_req_body(r);
    const char *cl = apr_table_get(r->headers_in, "Content-Length");

    return limit && cl && apr_atoi64(cl) > limit;
}

/* An input filter of the request's own sits above the module's. */
static int expect_body_filtered(request_rec *r)
{
    ap_filter_t *f;

    for (f = r->input_filters; f && f != r->proto_input_filters;
         f = f->next) {
        if (f->frec != expect_body_handle) {
            return 1;
        }
    }
    return 0;
}

/* No byte of the body has been asked for or read yet: the client still
 * waits for a 100 Continue (or, under "ignore", for its own timer). */
static int expect_body_pending(request_rec *r, expect_req_t *req)
{
    return !req->body_read && !req->body_unread
           && (r->expecting_100 || req->policy == EXPECT_POLICY_IGNORE);
}

static void expect_send_continue(request_rec *r)
{
    int status = r->status;
    const char *status_line = r->status_line;

    r->status = HTTP_CONTINUE;
    /* Before 2.4.48 the core writes status_line as it is, NULL included. */
    r->status_line = ap_get_status_line(HTTP_CONTINUE);
    /* 0: do not send (and so clear) headers_out */
    ap_send_interim_response(r, 0);
    r->status = status;
    r->status_line = status_line;
    if (r->proxyreq != PROXYREQ_NONE
        || (r->handler && !strncmp(r->handler, "proxy:", 6))) {
        /* The expectation is met: the backend must not be asked for a
         * 100 of its own. mod_proxy_http drops the field itself from
         * 2.4.54 on; before, it forwarded it as it was. */
        apr_table_unset(r->headers_in, "Expect");
    }
}

/* Registered by ExpectUnknown, with pre_read_request: the field taken
 * from the core's sight, judged with only the server's and the virtual
 * host's configuration known. */
static int expect_post_read_request(request_rec *r)
{
    /* Not expect_req_of(): an internal redirect has no field to judge. */
    expect_req_t *req = ap_get_module_config(r->request_config,
                                             &expect_module);

    if (!req || r->main || r->prev || !(req->field || req->field_too_long)) {
        return DECLINED;
    }
    return expect_judge_field(r, req);
}

/* The core has read Expect (before the post_read_request hooks from
 * 2.4.49 and in RHEL 8's 2.4.37, after them before that) and set
 * r->expecting_100: whether the expectation stands. OK: it does; DECLINED:
 * it is dropped; otherwise the status that refuses the request. */
static int expect_take_expectation(request_rec *r)
{
    expect_req_t *req = expect_req_make(r);

    if (r->proto_num == HTTP_VERSION(1, 1) && expect_closing(r->connection)
        && apr_table_get(r->headers_in, "Transfer-Encoding")) {
        /* The core found Content-Length beside Transfer-Encoding, dropped
         * it and will close: a request framed two ways is a smuggling
         * attempt more often than not. No 100 invites its body. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EXPECT_LOGNO(006)
                      "refusing Expect with both Transfer-Encoding and "
                      "Content-Length");
        expect_set_outcome(r, req, EXPECT_OUTCOME_INVALID);
        return HTTP_BAD_REQUEST;
    }
    if (r->proto_num < HTTP_VERSION(1, 1) || !expect_has_content(r)) {
        /* HTTP/1.0: the expectation MUST be ignored; no content: nothing
         * to wait for. Leaving the flag set would cost the keep-alive. */
        ap_log_rerror(APLOG_MARK, APLOG_TRACE2, 0, r, EXPECT_LOGNO(007)
                      "dropping the expectation of %s request%s",
                      r->protocol, r->proto_num < HTTP_VERSION(1, 1)
                      ? "" : " without content");
        r->expecting_100 = 0;
        expect_set_outcome(r, req, EXPECT_OUTCOME_DROPPED);
        return DECLINED;
    }
    return OK;
}

/* From header_parser on, before authentication (which may read the body:
 * mod_auth_form), on the request that arrived and again after an internal
 * redirect, which drops the request's filters: the response, and the
 * body while it is pending. */
static void expect_watch_response(request_rec *r)
{
    ap_add_output_filter_handle(expect_response_handle, NULL, r,
                                r->connection);
}

static void expect_watch(request_rec *r)
{
    ap_add_input_filter_handle(expect_body_handle, NULL, r, r->connection);
    expect_watch_response(r);
}

static void expect_unwanted_body(request_rec *r);

static EXPECT_NOINLINE int expect_decide_request(request_rec *r)
{
    expect_dir_conf *conf;
    expect_req_t *req;
    int status;

    if (r->main) {
        return DECLINED;
    }
    req = expect_req_of(r);
    if (r->prev) {
        request_rec *orig = expect_original(r);

        if (!req && orig->expecting_100) {
            /* Refused before header_parser, redirected to the server's
             * local ErrorDocument: the expectation is taken now. */
            (void)expect_take_expectation(orig);
            r->expecting_100 = orig->expecting_100;
            req = expect_req_of(r);
        }
        if (!req) {
            return DECLINED;
        }
        /* The environment of the redirect renamed the variable. */
        expect_show_outcome(r, req);
        if (!ap_is_HTTP_SUCCESS(r->status)) {
            /* The local-URL ErrorDocument of an error or a rejection: its
             * handler answers, and the body stays unread. */
            expect_unwanted_body(r);
        }
        else if (expect_body_pending(r, req)) {
            expect_watch(r);
        }
        else if (req->outcome == EXPECT_OUTCOME_PENDING) {
            expect_watch_response(r);
        }
        return DECLINED;
    }
    status = expect_take_expectation(r);
    if (status != OK) {
        return status;
    }
    req = expect_req_of(r);
    conf = ap_get_module_config(r->per_dir_config, &expect_module);
    req->policy = expect_decide_policy(r);
    expect_know_client(r, req, conf);
    req->ignore_grace = conf->ignore_grace == EXPECT_UNSET
                        ? EXPECT_IGNORE_GRACE_DEFAULT : conf->ignore_grace;
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, EXPECT_LOGNO(008)
                  "ExpectPolicy %s for %s%s", expect_policy_name(req->policy),
                  r->uri, req->continue_first ? " (" EXPECT_100_FIRST_ENV ")"
                                              : "");
    if (req->policy == EXPECT_POLICY_IGNORE && req->continue_first) {
        /* Such a client never sends the body without a 100. */
        req->policy = EXPECT_POLICY_CONTINUE;
    }

    switch (req->policy) {
    case EXPECT_POLICY_REJECT:
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, EXPECT_LOGNO(009)
                      "rejecting 'Expect: %s' for %s (ExpectPolicy reject)",
                      apr_table_get(r->headers_in, "Expect"), r->uri);
        expect_set_outcome(r, req, EXPECT_OUTCOME_REJECTED);
        return expect_refuse(r, apr_table_get(r->headers_in, "Expect"));
    case EXPECT_POLICY_IGNORE:
        expect_set_outcome(r, req, EXPECT_OUTCOME_IGNORED);
        r->expecting_100 = 0;
        apr_table_unset(r->headers_in, "Expect");
        break;
    default:
        break;
    }
    expect_watch(r);
    return DECLINED;
}

static int expect_header_parser(request_rec *r)
{
    if (!r->expecting_100 && !r->prev) {
        return DECLINED;
    }
    return expect_decide_request(r);
}

/* "immediate": access control and the fixups have passed, and the
 * handler is next (ap_invoke_handler() runs the init function of each
 * filter first). The 100 goes out once, for the request that arrived
 * (not for the ErrorDocument of a refusal, nor again for a subrequest
 * that shares its filters), unless the core answers 413. The filter is
 * there only for requests with an expectation: no hook runs for the
 * others. */
static int expect_body_init(ap_filter_t *f)
{
    request_rec *r = f->r;
    expect_req_t *req = expect_req_of(r);

    if (r->prev || !r->expecting_100
        || req->policy != EXPECT_POLICY_IMMEDIATE || expect_over_limit(r)) {
        return OK;
    }
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, EXPECT_LOGNO(010)
                  "sending 100 Continue before the handler");
    expect_set_outcome(r, req, EXPECT_OUTCOME_IMMEDIATE);
    expect_send_continue(r);
    return OK;
}

/* Every handler has declined: the core's default handler is next, and it
 * only discards the body, for which the core would send 100 Continue and
 * read it all. Unless an input filter of the request's own (SetInputFilter,
 * mod_request's KeptBodySize, ...) may consume what the discard reads, or
 * the declared length is over LimitRequestBody (the core answers 413 then,
 * without a 100). Any other handler may read: the module never guesses. */
static EXPECT_NOINLINE int expect_default_handler_next(request_rec *r)
{
    expect_req_t *req;

    if (r->main || !(req = expect_req_of(r))
        || !expect_body_pending(r, req) || expect_body_filtered(r)
        || expect_over_limit(r) || req->continue_first
        || req->discard_reads) {
        return DECLINED;
    }
    expect_leave_body_unread(r, req, "only the default handler's discard "
                             "would read the body");
    return DECLINED;
}

static int expect_before_default_handler(request_rec *r)
{
    if (!r->prev && !ap_get_module_config(r->request_config,
                                          &expect_module)) {
        return DECLINED;
    }
    return expect_default_handler_next(r);
}

/* ExpectPolicy ignore: a client without a 100-continue timer of its own
 * (aiohttp, Node's http) never sends the body. Once ExpectIgnoreGrace has
 * passed since the request arrived, when the client's own timer started,
 * and a read of the body finds none, the 100 goes after all, once. */
static apr_time_t expect_grace_end(ap_filter_t *f, const expect_req_t *req)
{
    return expect_original(f->r)->request_time + req->ignore_grace;
}

static void expect_continue_after_grace(ap_filter_t *f, expect_req_t *req)
{
    ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, f->r, EXPECT_LOGNO(011)
                  "no body %" APR_TIME_T_FMT " ms after the request "
                  "arrived, sending 100 Continue after all "
                  "(ExpectIgnoreGrace)",
                  apr_time_as_msec(req->ignore_grace));
    req->ignore_grace = 0;
    f->r->expecting_100 = 1;
    expect_send_continue(f->r);
}

/* A blocking read looks for the body until the grace is over, with
 * non-blocking reads (the same on HTTP/1.x and HTTP/2). */
static apr_status_t expect_read_after_grace(ap_filter_t *f,
                                            apr_bucket_brigade *bb,
                                            ap_input_mode_t mode,
                                            apr_off_t readbytes,
                                            expect_req_t *req)
{
    apr_time_t deadline = expect_grace_end(f, req);

    for (;;) {
        apr_status_t rv = ap_get_brigade(f->next, bb, mode,
                                         APR_NONBLOCK_READ, readbytes);

        if (rv == APR_SUCCESS && !APR_BRIGADE_EMPTY(bb)) {
            return rv;
        }
        if (rv != APR_SUCCESS && !APR_STATUS_IS_EAGAIN(rv)) {
            return rv;
        }
        if (apr_time_now() >= deadline || f->c->aborted) {
            break;
        }
        apr_sleep(EXPECT_IGNORE_POLL);
    }
    expect_continue_after_grace(f, req);
    return ap_get_brigade(f->next, bb, mode, APR_BLOCK_READ, readbytes);
}

/* Between the request's input filters and HTTP_IN, from header_parser on.
 * The first read that goes down to the core marks the body as read; when
 * the body is left unread, every read ends at once. */
static apr_status_t expect_body_filter(ap_filter_t *f, apr_bucket_brigade *bb,
                                       ap_input_mode_t mode,
                                       apr_read_type_e block,
                                       apr_off_t readbytes)
{
    expect_req_t *req = expect_req_of(f->r);
    int grace = req->policy == EXPECT_POLICY_IGNORE && req->ignore_grace > 0
                && mode == AP_MODE_READBYTES && !req->response_started;

    if (req->body_unread) {
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        return APR_SUCCESS;
    }
    if (block == APR_NONBLOCK_READ && req->policy == EXPECT_POLICY_IGNORE) {
        /* mod_proxy_http looks ahead without blocking: under "ignore" the
         * body counts as read once something comes back. Otherwise the
         * core's own expecting_100 tells, and the filter is gone at once:
         * mod_proxy_http streams a body with its Content-Length only when
         * the request has no input filter of its own. A reader that only
         * polls (mod_proxy_http2) gets the grace's 100 from a poll that
         * finds nothing once the grace is over. */
        apr_status_t rv = ap_get_brigade(f->next, bb, mode, block,
                                         readbytes);

        if (rv == APR_SUCCESS && !APR_BRIGADE_EMPTY(bb)) {
            req->body_read = 1;
            ap_remove_input_filter(f);
        }
        else if (grace && (rv == APR_SUCCESS || APR_STATUS_IS_EAGAIN(rv))
                 && apr_time_now() >= expect_grace_end(f, req)) {
            expect_continue_after_grace(f, req);
        }
        return rv;
    }
    req->body_read = 1;
    ap_remove_input_filter(f);
    if (grace) {
        return expect_read_after_grace(f, bb, mode, readbytes, req);
    }
    return ap_get_brigade(f->next, bb, mode, block, readbytes);
}

/* Above HTTP_HEADER, from header_parser on (again after an internal
 * redirect or for an error response, which start the output chain anew).
 * When the final response starts while the body is pending: for a client
 * that hangs on a final response that no 100 went before
 * (expect-100-first: Java's HttpClient before JDK 20), a 100 goes first;
 * under "ignore", where the core sees no expectation, the connection
 * closes after the response, as the core does itself while a 100 is
 * pending, so that nothing waits for a body the client may never send.
 * At the end of the response, an outcome the core's 100 decides is
 * known. */
static apr_status_t expect_response_filter(ap_filter_t *f,
                                           apr_bucket_brigade *bb)
{
    expect_req_t *req = expect_req_of(f->r);
    apr_bucket *e;

    if (!req->response_started) {
        req->response_started = 1;
        if (req->continue_first && f->r->expecting_100
            && f->r->proto_num >= HTTP_VERSION(1, 1)) {
            ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, f->r, EXPECT_LOGNO(012)
                          "sending 100 Continue before the final response ("
                          EXPECT_100_FIRST_ENV ")");
            expect_send_continue(f->r);
        }
        else if (req->policy == EXPECT_POLICY_IGNORE && !req->body_read
                 && !req->body_unread) {
            expect_close_connection(f->r, "the response starts before "
                                    "the body");
        }
    }
    for (e = APR_BRIGADE_FIRST(bb); e != APR_BRIGADE_SENTINEL(bb);
         e = APR_BUCKET_NEXT(e)) {
        if (APR_BUCKET_IS_EOS(e)) {
            if (req->outcome == EXPECT_OUTCOME_PENDING) {
                /* The core sent its 100, or never will. */
                expect_set_outcome(f->r, req, f->r->expecting_100
                                              ? EXPECT_OUTCOME_UNREAD
                                              : EXPECT_OUTCOME_CONTINUE);
            }
            ap_remove_output_filter(f);
            break;
        }
    }
    return ap_pass_brigade(f->next, bb);
}

/* --------------------------------------------------------------------
 * Answers without the body
 */

/* Rejections remembered to tell a client's retry from a loop, and how
 * long a retry takes at most (seconds). */
#define EXPECT_RECENT_SLOTS 1024
#define EXPECT_RETRY_WINDOW 5

/* A slot of that table: the high bits of the request's hash (its low bits
 * chose the slot) and the second it was refused, modulo 4096. */
#define EXPECT_RECENT_SECONDS 0xfffU

/* The counters: 64-bit from APR 1.7; APR 1.6 (RHEL 8) has 32-bit atomic
 * operations only, and there they wrap at 2^32. */
#if APR_VERSION_AT_LEAST(1, 7, 0)
typedef apr_uint64_t expect_count_t;
#define expect_count_inc apr_atomic_inc64
#define expect_count_read apr_atomic_read64
#else
typedef apr_uint32_t expect_count_t;
#define expect_count_inc apr_atomic_inc32
#define expect_count_read apr_atomic_read32
#endif

/* Shared by all children and threads, in memory that lives in the
 * process pool: created once, kept across restarts. */
typedef struct {
    volatile expect_count_t outcomes[EXPECT_OUTCOMES];
    volatile apr_uint32_t recent[EXPECT_RECENT_SLOTS];
} expect_shared_t;

static expect_shared_t *expect_shared;

static ap_filter_rec_t *expect_quiet_close_handle;
static ap_filter_rec_t *expect_fin_handle;

/* mod_ssl's, when loaded: TLS connections keep the lingering close. */
static APR_OPTIONAL_FN_TYPE(ssl_is_https) *expect_is_https;

static const char *expect_document(request_rec *r, const char *field)
{
    return apr_pstrcat(r->pool,
        "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n"
        "<html><head>\n"
        "<title>417 Expectation Failed</title>\n"
        "</head><body>\n"
        "<h1>Expectation Failed</h1>\n"
        "<p>The server does not meet the expectation <code>Expect: ",
        ap_escape_html(r->pool, field), "</code> for ",
        ap_escape_html(r->pool, r->uri),
        ",\nso it refused the request before reading its body.</p>\n"
        "<p>To fix this, send the request again without the "
        "<code>Expect</code> header,\n"
        "and send the request body at once instead of waiting for "
        "<code>100 Continue</code>.</p>\n"
        "</body></html>\n", NULL);
}

/* An ErrorDocument 417 applies in the scope the request has reached (or
 * was set for it with ap_custom_response()), as the core's configuration
 * in http_core.h says. */
static int expect_error_document_set(request_rec *r)
{
    int idx = ap_index_of_response(HTTP_EXPECTATION_FAILED);
    core_request_config *rconf = ap_get_core_module_config(r->request_config);
    core_dir_config *dconf = ap_get_core_module_config(r->per_dir_config);

    return (rconf->response_code_strings
            && rconf->response_code_strings[idx])
           || (dconf->response_code_exprs
               && apr_hash_get(dconf->response_code_exprs, &idx,
                               sizeof(idx)));
}

/* 417 with the module's document, unless an ErrorDocument 417 applies. */
static int expect_refuse(request_rec *r, const char *field)
{
    if (!expect_error_document_set(r)) {
        ap_custom_response(r, HTTP_EXPECTATION_FAILED,
                           expect_document(r, field));
    }
    return HTTP_EXPECTATION_FAILED;
}

/* A quiet close (ExpectAnnounceClose Off, never the default: a relay that
 * passes the FIN on after the 417 makes libcurl's retry race it) lets
 * libcurl retry without Expect. Only for the field as libcurl writes it
 * ("100-continue"): Guzzle writes "100-Continue" as a
 * header of its own, which libcurl would send again and again. Not when
 * the close would be announced anyway, nor towards a keep-alive client (it
 * would be told "Keep-Alive") or a proxy (mod_proxy_http, for one, would go
 * on sending the body on a connection it believes open), nor to a client
 * that needs a 100 first. */
static int expect_quiet_close_fits(request_rec *orig, request_rec *r,
                                   expect_req_t *req)
{
    expect_dir_conf *conf = ap_get_module_config(orig->per_dir_config,
                                                 &expect_module);
    const char *field = req->field ? req->field
                                   : apr_table_get(orig->headers_in, "Expect");

    return conf->announce_close == 0
           && field && !strcmp(field, "100-continue")
           && !req->continue_first
           && r->proto_num < HTTP_VERSION(2, 0)
           && !ap_find_token(r->pool,
                             apr_table_get(r->headers_in, "Connection"),
                             "keep-alive")
           && !apr_table_get(r->headers_in, "Via")
           && !apr_table_get(r->headers_in, "X-Forwarded-For");
}

/* Notes a quiet rejection in the shared table; true when the same client
 * sent the same request (method, URL, length) within the last
 * EXPECT_RETRY_WINDOW seconds and was refused quietly then too: its retry
 * came with Expect again. Without the table, always true. */
static int expect_note_quiet_rejection(request_rec *r)
{
    const char *key = apr_pstrcat(r->pool, r->connection->client_ip, " ",
                                  r->method, " ", r->unparsed_uri, " ",
                                  apr_table_get(r->headers_in,
                                                "Content-Length"), NULL);
    apr_ssize_t len = APR_HASH_KEY_STRING;
    apr_uint32_t hash = apr_hashfunc_default(key, &len);
    apr_uint32_t now = (apr_uint32_t)apr_time_sec(r->request_time);
    apr_uint32_t seen;

    if (!expect_shared) {
        return 1;
    }
    seen = apr_atomic_xchg32(&expect_shared->recent[hash
                                                    % EXPECT_RECENT_SLOTS],
                             (hash & ~EXPECT_RECENT_SECONDS)
                             | (now & EXPECT_RECENT_SECONDS));
    return (seen & ~EXPECT_RECENT_SECONDS) == (hash & ~EXPECT_RECENT_SECONDS)
           && ((now - seen) & EXPECT_RECENT_SECONDS) <= EXPECT_RETRY_WINDOW;
}

/* An error response is about to be made while the body is pending. The
 * core reads nothing for an error status while the 100 is pending (and
 * neither does the module under "ignore"); close rather than wait. The
 * 417 of "reject" may close quietly. */
static void expect_unwanted_body(request_rec *r)
{
    expect_req_t *req = expect_req_of(r);
    request_rec *orig = expect_original(r);
    int quiet;

    if (!req) {
        return;
    }
    if (!expect_body_pending(r, req)) {
        if (req->outcome == EXPECT_OUTCOME_PENDING) {
            /* The body was asked for; the error response starts the
             * output anew, and the outcome is still to be shown. */
            expect_watch_response(r);
        }
        return;
    }
    quiet = req->policy == EXPECT_POLICY_REJECT
            && !expect_closing(r->connection)
            && expect_quiet_close_fits(orig, r, req);
    if (quiet && expect_note_quiet_rejection(orig)) {
        /* The retry of a request refused quietly moments ago: this time
         * the close is announced. */
        quiet = 0;
    }
    if (quiet) {
        ap_add_output_filter_handle(expect_quiet_close_handle, NULL, r,
                                    r->connection);
        if (!expect_is_https || !expect_is_https(r->connection)) {
            /* Over TLS the close_notify must come before the FIN. */
            ap_add_output_filter_handle(expect_fin_handle, NULL, r,
                                        r->connection);
        }
    }
    expect_leave_body_unread(r, req, "a response without the body");
    expect_watch(r);
}

/* ap_send_error_response(), before the body would be discarded. */
static void expect_insert_error_filter(request_rec *r)
{
    const char *field;

    if (r->main) {
        return;
    }
    field = apr_table_get(r->headers_in, "Expect");
    if (r->status == HTTP_EXPECTATION_FAILED && field && !expect_req_of(r)) {
        /* The core refused an expectation before any hook ran. It would
         * read the body for keep-alive; close instead. */
        expect_req_t *req = expect_req_make(r);
        expect_field_t info;

        ap_log_rerror(APLOG_MARK, APLOG_TRACE1, 0, r, EXPECT_LOGNO(013)
                      "the core refused 'Expect: %s'",
                      ap_escape_logitem(r->pool, field));
        expect_set_outcome(r, req, expect_field_parse(field, strlen(field),
                                                      &info)
                                   == EXPECT_FIELD_UNKNOWN
                                   ? EXPECT_OUTCOME_UNKNOWN_REJECTED
                                   : EXPECT_OUTCOME_INVALID);
        expect_close_connection(r, "an Expect field the core refused");
        expect_refuse(r, field);
        return;
    }
    if (!expect_req_of(r) && expect_original(r)->expecting_100) {
        /* Refused before header_parser (translate_name, a broken
         * .htaccess): the expectation is taken as header_parser would. */
        (void)expect_take_expectation(expect_original(r));
    }
    expect_unwanted_body(r);
}

/* A rejection that clients recover from: libcurl (curl, PHP's curl)
 * retries without the Expect it added itself after a 417, unless the 417
 * announces the close (see expect_quiet_close_fits()). Right above
 * HTTP_HEADER, below every content filter: the protocol chain is where
 * ap_send_error_response() starts the response again. */
static apr_status_t expect_quiet_close_filter(ap_filter_t *f,
                                              apr_bucket_brigade *bb)
{
    apr_status_t rv;

    f->r->expecting_100 = 0;
    expect_hide_close(f->c);
    rv = ap_pass_brigade(f->next, bb);
    expect_seal_close(f->c);
    ap_remove_output_filter(f);
    return rv;
}

/* The quiet 417 goes out with the FIN in the same segment: libcurl
 * retries on the same connection unless, once it has read the 417, it
 * finds the connection closed, and a FIN sent even microseconds after the
 * response loses that race now and then. Right above the core's network
 * filter, the response is held until its end, everything before it is
 * flushed, and the response is written corked and pushed out by the
 * shutdown of the sending side. The lingering close that follows drains
 * what the client sends without parsing it. */
static apr_status_t expect_fin_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    apr_bucket_brigade *held = f->ctx, *rest;
    apr_socket_t *sock = ap_get_conn_socket(f->c);
    apr_bucket *e;
    apr_status_t rv;
    char *data;
    apr_size_t len;

    if (!held) {
        held = f->ctx = apr_brigade_create(f->c->pool, f->c->bucket_alloc);
    }
    /* The end of the response: EOS, or the end of the request or of the
     * connection (2.4.37 drops the EOS of a HEAD request's response). */
    for (e = APR_BRIGADE_FIRST(bb); e != APR_BRIGADE_SENTINEL(bb);
         e = APR_BUCKET_NEXT(e)) {
        if (APR_BUCKET_IS_EOS(e) || AP_BUCKET_IS_EOR(e)
            || AP_BUCKET_IS_EOC(e)) {
            break;
        }
    }
    if (e == APR_BRIGADE_SENTINEL(bb)) {
        return ap_save_brigade(f, &held, &bb, f->c->pool);
    }
    rest = apr_brigade_split_ex(bb, e, NULL);   /* the end and after */
    rv = ap_save_brigade(f, &held, &bb, f->c->pool);
    ap_remove_output_filter(f);
    if (rv == APR_SUCCESS) {
        rv = apr_brigade_pflatten(held, &data, &len, f->c->pool);
    }
    if (rv == APR_SUCCESS) {
        apr_bucket_brigade *flush = apr_brigade_create(f->c->pool,
                                                       f->c->bucket_alloc);

        APR_BRIGADE_INSERT_TAIL(flush,
                                apr_bucket_flush_create(f->c->bucket_alloc));
        rv = ap_pass_brigade(f->next, flush);
    }
    if (rv == APR_SUCCESS) {
        apr_socket_opt_set(sock, APR_TCP_NOPUSH, 1);
        while (len && rv == APR_SUCCESS) {
            apr_size_t n = len;

            rv = apr_socket_send(sock, data, &n);
            data += n;
            len -= n;
        }
        apr_socket_shutdown(sock, APR_SHUTDOWN_WRITE);
    }
    apr_brigade_cleanup(held);
    if (rv != APR_SUCCESS) {
        f->c->aborted = 1;
    }
    return ap_pass_brigade(f->next, rest);
}

/* --------------------------------------------------------------------
 * Outcomes and counters
 */

/* The request ends (its pool goes, after the access log): its outcome
 * counts, in server-status. Nothing else: the request's sub-pools, and
 * with them other modules' memory of it, are gone by now, so neither the
 * request nor a hook of another module (error_log) is reached from here. */
static apr_status_t expect_count_outcome(void *data)
{
    const expect_req_t *req = data;
    expect_outcome_e outcome = req->outcome == EXPECT_OUTCOME_PENDING
                               ? EXPECT_OUTCOME_UNREAD : req->outcome;

    if (expect_shared) {
        expect_count_inc(&expect_shared->outcomes[outcome]);
    }
    return APR_SUCCESS;
}

/* server-status: "ExpectRejected: 3" lines for ?auto, a table otherwise. */
static int expect_status_hook(request_rec *r, int flags)
{
    int i;

    if (!expect_shared) {
        return OK;
    }
    if (!(flags & AP_STATUS_SHORT)) {
        ap_rputs("<hr />\n<h2>mod_expect: Expect: 100-continue outcomes"
                 "</h2>\n<table>\n", r);
    }
    for (i = EXPECT_OUTCOME_CONTINUE; i < EXPECT_OUTCOMES; i++) {
        apr_uint64_t n = expect_count_read(&expect_shared->outcomes[i]);

        if (flags & AP_STATUS_SHORT) {
            ap_rprintf(r, "Expect%s: %" APR_UINT64_T_FMT "\n",
                       expect_outcomes[i].counter, n);
        }
        else {
            ap_rprintf(r, "<tr><td>%s</td><td>%" APR_UINT64_T_FMT
                       "</td></tr>\n", expect_outcomes[i].value, n);
        }
    }
    if (!(flags & AP_STATUS_SHORT)) {
        ap_rputs("</table>\n", r);
    }
    return OK;
}

/* The counters outlive configuration reloads: anonymous shared memory
 * from the process pool, inherited by every child. A segment of an older
 * build, too small for this one, is replaced. */
static void expect_create_shared(server_rec *s)
{
    static const char key[] = "mod_expect shared";
    apr_pool_t *pool = s->process->pool;
    apr_shm_t *shm = NULL;
    apr_status_t rv;

    apr_pool_userdata_get((void **)&shm, key, pool);
    if (!shm || apr_shm_size_get(shm) < sizeof(expect_shared_t)) {
        rv = apr_shm_create(&shm, sizeof(expect_shared_t), NULL, pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, EXPECT_LOGNO(015)
                         "no shared memory: server-status will not show "
                         "the counters, and every 417 of ExpectPolicy "
                         "reject announces the close");
            expect_shared = NULL;
            return;
        }
        memset(apr_shm_baseaddr_get(shm), 0, sizeof(expect_shared_t));
        apr_pool_userdata_set(shm, key, apr_pool_cleanup_null, pool);
    }
    expect_shared = apr_shm_baseaddr_get(shm);
}

static int expect_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                              apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    (void)ptemp;
    ap_add_version_component(pconf, "mod_expect/" MOD_EXPECT_VERSION);
    expect_is_https = APR_RETRIEVE_OPTIONAL_FN(ssl_is_https);
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    expect_create_shared(s);
    return OK;
}

/* --------------------------------------------------------------------
 * Registration
 */

static void expect_register_hooks(apr_pool_t *p)
{
    (void)p;
    ap_hook_post_config(expect_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, expect_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
    /* pre_connection, pre_read_request and post_read_request: registered
     * by ExpectUnknown (expect_set_unknown). */
    /* A connection filter above every other (mod_ssl's, mod_reqtimeout's):
     * it sees the lines the core's header parser asks for, whole. */
    expect_head_handle = ap_register_input_filter("EXPECT_HEAD",
                                                  expect_head_filter, NULL,
                                                  AP_FTYPE_CONNECTION);
    /* The first hook with the merged per-dir config; after SetEnvIf in
     * directory context (MIDDLE) and before authentication, which may read
     * the body (mod_auth_form). */
    ap_hook_header_parser(expect_header_parser, NULL, NULL, APR_HOOK_LAST);
    /* Reached only when no handler took the request: the core's default
     * handler (REALLY_LAST) is next. */
    ap_hook_handler(expect_before_default_handler, NULL, NULL,
                    APR_HOOK_REALLY_LAST - 1);
    /* Below the request's input filters, above HTTP_IN, which sends the
     * core's 100 Continue. */
    expect_body_handle = ap_register_input_filter("EXPECT_BODY",
                                                  expect_body_filter,
                                                  expect_body_init,
                                                  AP_FTYPE_PROTOCOL - 1);
    /* ap_send_error_response(): before the body would be discarded. */
    ap_hook_insert_error_filter(expect_insert_error_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    /* Above HTTP_HEADER, which sends the final response head. */
    expect_response_handle =
        ap_register_output_filter("EXPECT_RESPONSE",
                                  expect_response_filter, NULL,
                                  AP_FTYPE_PROTOCOL - 1);
    expect_quiet_close_handle =
        ap_register_output_filter("EXPECT_QUIET_CLOSE",
                                  expect_quiet_close_filter, NULL,
                                  AP_FTYPE_PROTOCOL - 1);
    /* Right above the core's network filter. */
    expect_fin_handle = ap_register_output_filter("EXPECT_FIN",
                                                  expect_fin_filter, NULL,
                                                  AP_FTYPE_NETWORK - 1);
}

static const command_rec expect_cmds[] = {
    AP_INIT_TAKE1("ExpectPolicy", expect_set_policy, NULL, OR_FILEINFO,
                  "What to do with 'Expect: 100-continue': "
                  EXPECT_POLICY_KEYWORDS " (default continue)"),
    /* Decided before any per-directory configuration is known. */
    AP_INIT_TAKE1("ExpectUnknown", expect_set_unknown, NULL, RSRC_CONF,
                  "What to do with expectations other than 100-continue: "
                  "reject (417, the default) or ignore"),
    AP_INIT_TAKE1("ExpectIgnoreGrace", expect_set_ignore_grace, NULL,
                  OR_FILEINFO,
                  "Seconds after the request's arrival that ExpectPolicy "
                  "ignore waits for a body that a handler reads before it "
                  "sends 100 Continue after all (default 2; 0 or off: "
                  "never)"),
    AP_INIT_FLAG("ExpectClientQuirks", expect_set_flag,
                 (void *)APR_OFFSETOF(expect_dir_conf, client_quirks),
                 OR_FILEINFO,
                 "On (default): clients known to fare worse without a 100 "
                 "Continue (Java's HttpClient before JDK 20, "
                 "HttpURLConnection) get it as on stock httpd; Off: they "
                 "do not"),
    AP_INIT_FLAG("ExpectAnnounceClose", expect_set_flag,
                 (void *)APR_OFFSETOF(expect_dir_conf, announce_close),
                 OR_FILEINFO,
                 "On (default): the 417 of ExpectPolicy reject says "
                 "'Connection: close'; Off: it does not, so that libcurl "
                 "retries without Expect; the connection is closed either "
                 "way"),
    {NULL}
};

AP_DECLARE_MODULE(expect) = {
    STANDARD20_MODULE_STUFF,
    expect_create_dir_conf,     /* create per-directory config */
    expect_merge_dir_conf,      /* merge per-directory config */
    expect_create_srv_conf,     /* create per-server config */
    expect_merge_srv_conf,      /* merge per-server config */
    expect_cmds,                /* command table */
    expect_register_hooks,      /* register hooks */
    AP_MODULE_FLAG_NONE         /* flags */
};
