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

#include <string.h>

#include "expect_field.h"

#define CONTINUE_TOKEN "100-continue"

typedef struct {
    const unsigned char *p;
    size_t pos;
    size_t len;
} cursor_t;

static int at(const cursor_t *c, unsigned char ch)
{
    return c->pos < c->len && c->p[c->pos] == ch;
}

/* tchar of RFC 9110 5.6.2 */
static int is_tchar(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
           || (ch >= '0' && ch <= '9')
           || (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static void skip_ows(cursor_t *c)
{
    while (at(c, ' ') || at(c, '\t')) {
        c->pos++;
    }
}

/* Length of the token at the cursor, which moves past it; 0: none. */
static size_t token(cursor_t *c)
{
    size_t start = c->pos;

    while (c->pos < c->len && is_tchar(c->p[c->pos])) {
        c->pos++;
    }
    return c->pos - start;
}

/* quoted-string of RFC 9110 5.6.4; 0 when malformed or absent. */
static int quoted_string(cursor_t *c)
{
    if (!at(c, '"')) {
        return 0;
    }
    for (c->pos++; c->pos < c->len; c->pos++) {
        unsigned char ch = c->p[c->pos];

        if (ch == '"') {
            c->pos++;
            return 1;
        }
        if (ch == '\\') {
            if (++c->pos == c->len) {
                return 0;
            }
            ch = c->p[c->pos];
            if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
                return 0;
            }
        }
        else if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
            return 0;
        }
    }
    return 0;
}

static int token_or_quoted_string(cursor_t *c)
{
    return token(c) > 0 || quoted_string(c);
}

/* "=" value parameters, after an expectation's token. */
static int value_and_parameters(cursor_t *c)
{
    c->pos++;                               /* "=" */
    if (!token_or_quoted_string(c)) {
        return 0;
    }
    for (;;) {
        size_t before = c->pos;

        skip_ows(c);
        if (!at(c, ';')) {
            c->pos = before;
            return 1;
        }
        c->pos++;
        skip_ows(c);
        if (token(c) > 0) {
            if (!at(c, '=')) {
                return 0;
            }
            c->pos++;
            if (!token_or_quoted_string(c)) {
                return 0;
            }
        }
    }
}

static int is_continue(const unsigned char *name, size_t len)
{
    size_t i;

    if (len != sizeof(CONTINUE_TOKEN) - 1) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        unsigned char ch = name[i];

        if (ch >= 'A' && ch <= 'Z') {
            ch += 'a' - 'A';
        }
        if (ch != (unsigned char)CONTINUE_TOKEN[i]) {
            return 0;
        }
    }
    return 1;
}

expect_field_e expect_field_parse(const char *value, size_t len,
                                  expect_field_t *info)
{
    cursor_t c = { (const unsigned char *)value, 0, len };
    size_t ambiguous_at = (size_t)-1;

    memset(info, 0, sizeof(*info));
    for (;;) {
        const unsigned char *name;
        size_t name_len, member_at;
        int has_value = 0;

        skip_ows(&c);
        if (c.pos == c.len) {
            break;
        }
        if (at(&c, ',')) {                  /* empty list element */
            c.pos++;
            continue;
        }
        member_at = c.pos;
        name = c.p + c.pos;
        name_len = token(&c);
        if (name_len == 0) {
            info->error_at = c.pos;
            return EXPECT_FIELD_INVALID;
        }
        if (at(&c, '=')) {
            has_value = 1;
            if (!value_and_parameters(&c)) {
                info->error_at = c.pos;
                return EXPECT_FIELD_INVALID;
            }
        }
        skip_ows(&c);
        if (c.pos < c.len && !at(&c, ',')) {
            info->error_at = c.pos;
            return EXPECT_FIELD_INVALID;
        }
        if (!is_continue(name, name_len)) {
            info->unknowns++;
        }
        else if (has_value) {
            if (ambiguous_at == (size_t)-1) {
                ambiguous_at = member_at;
            }
        }
        else {
            info->continues++;
        }
    }
    if (ambiguous_at != (size_t)-1) {
        info->error_at = ambiguous_at;
        return EXPECT_FIELD_AMBIGUOUS;
    }
    if (info->unknowns) {
        return EXPECT_FIELD_UNKNOWN;
    }
    return info->continues ? EXPECT_FIELD_CONTINUE : EXPECT_FIELD_NONE;
}

const char *expect_field_name(expect_field_e result)
{
    switch (result) {
    case EXPECT_FIELD_NONE:
        return "none";
    case EXPECT_FIELD_CONTINUE:
        return "100-continue";
    case EXPECT_FIELD_UNKNOWN:
        return "unknown";
    case EXPECT_FIELD_AMBIGUOUS:
        return "ambiguous";
    default:
        return "invalid";
    }
}
