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
 * The Expect field of RFC 9110, section 10.1.1, parsed exactly:
 *
 *   Expect      = #expectation
 *   expectation = token [ "=" ( token / quoted-string ) parameters ]
 *   parameters  = *( OWS ";" OWS [ parameter ] )
 *   parameter   = token "=" ( token / quoted-string )
 *
 * Plain C, no httpd: built into mod_expect, its unit test and its fuzzer.
 */

#ifndef EXPECT_FIELD_H
#define EXPECT_FIELD_H

#include <stddef.h>

typedef enum {
    EXPECT_FIELD_NONE = 0,      /* empty list elements only */
    EXPECT_FIELD_CONTINUE,      /* 100-continue, and nothing else */
    EXPECT_FIELD_UNKNOWN,       /* well-formed, with other expectations */
    EXPECT_FIELD_AMBIGUOUS,     /* 100-continue with a value */
    EXPECT_FIELD_INVALID        /* not the grammar above */
} expect_field_e;

typedef struct {
    unsigned continues;         /* plain 100-continue members */
    unsigned unknowns;          /* other well-formed members */
    size_t error_at;            /* AMBIGUOUS, INVALID: offending offset */
} expect_field_t;

/* Classifies the `len` bytes at `value` (not NUL-terminated; a NUL byte
 * is invalid) and counts the members into `*info`. */
expect_field_e expect_field_parse(const char *value, size_t len,
                                  expect_field_t *info);

const char *expect_field_name(expect_field_e result);

#endif /* EXPECT_FIELD_H */
