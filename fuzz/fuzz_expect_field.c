/* libFuzzer target for the Expect field parser: parses the input and
 * aborts when an invariant of expect_field_parse() does not hold.
 * Built and run by `make fuzz`. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../expect_field.h"

#define CHECK(cond) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "invariant failed: %s\n", #cond); \
            abort(); \
        } \
    } while (0)

static int is_ows(unsigned char ch)
{
    return ch == ' ' || ch == '\t';
}

/* The naive, independent re-check: split on ',', trim SP/HTAB from each
 * element; every element must be empty or "100-continue" in any case. */
static int only_continue(const unsigned char *p, size_t len)
{
    size_t start = 0, end, first, last;

    while (start <= len) {
        const unsigned char *comma = NULL;

        if (start < len) {
            comma = memchr(p + start, ',', len - start);
        }
        end = comma ? (size_t)(comma - p) : len;
        first = start;
        last = end;
        while (first < last && is_ows(p[first])) {
            first++;
        }
        while (last > first && is_ows(p[last - 1])) {
            last--;
        }
        if (last > first && (last - first != 12
                             || strncasecmp((const char *)p + first,
                                            "100-continue", 12) != 0)) {
            return 0;
        }
        start = end + 1;
    }
    return 1;
}

/* libFuzzer passes an exact-size heap copy (so ASan catches any read
 * past `len`) and itself reports a target that writes into it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    const char *value = (const char *)data;
    expect_field_t info, again;
    expect_field_e result;

    result = expect_field_parse(value, len, &info);

    switch (result) {
    case EXPECT_FIELD_NONE:
        CHECK(info.continues == 0 && info.unknowns == 0);
        break;
    case EXPECT_FIELD_CONTINUE:
        CHECK(info.continues > 0 && info.unknowns == 0);
        /* The safety property: nothing else ever becomes 100-continue
         * (no quotes, so this also rules out CTLs, DEL, CR LF, NUL). */
        CHECK(only_continue(data, len));
        break;
    case EXPECT_FIELD_UNKNOWN:
        CHECK(info.unknowns > 0);
        break;
    case EXPECT_FIELD_AMBIGUOUS:
    case EXPECT_FIELD_INVALID:
        CHECK(info.error_at <= len);
        break;
    default:
        CHECK(!"result is not an expect_field_e value");
    }

    /* And the converse: such a list is never rejected. */
    if (only_continue(data, len)) {
        CHECK(result == EXPECT_FIELD_CONTINUE || result == EXPECT_FIELD_NONE);
    }

    /* Deterministic: a second parse gives the same result and counts. */
    CHECK(expect_field_parse(value, len, &again) == result);
    CHECK(again.continues == info.continues);
    CHECK(again.unknowns == info.unknowns);
    CHECK(again.error_at == info.error_at);

    return 0;
}
