/* Unit test of the Expect field parser: a table of values and what each
 * must be classified as. Run by `make test`. */

#include <stdio.h>
#include <string.h>

#include "../expect_field.h"

#define N(s) s, sizeof(s) - 1

static const struct {
    const char *value;
    size_t len;
    expect_field_e want;
    unsigned continues, unknowns;
} cases[] = {
    { N(""),                          EXPECT_FIELD_NONE, 0, 0 },
    { N(" \t "),                      EXPECT_FIELD_NONE, 0, 0 },
    { N(",, ,"),                      EXPECT_FIELD_NONE, 0, 0 },
    { N("100-continue"),              EXPECT_FIELD_CONTINUE, 1, 0 },
    { N("100-Continue"),              EXPECT_FIELD_CONTINUE, 1, 0 },
    { N("100-CONTINUE"),              EXPECT_FIELD_CONTINUE, 1, 0 },
    { N(" 100-continue\t"),           EXPECT_FIELD_CONTINUE, 1, 0 },
    { N(", 100-continue ,"),          EXPECT_FIELD_CONTINUE, 1, 0 },
    { N("100-continue, 100-continue"), EXPECT_FIELD_CONTINUE, 2, 0 },
    { N("100-continue, foo"),         EXPECT_FIELD_UNKNOWN, 1, 1 },
    { N("foo"),                       EXPECT_FIELD_UNKNOWN, 0, 1 },
    { N("foo=bar"),                   EXPECT_FIELD_UNKNOWN, 0, 1 },
    { N("foo=\"a, b\";x=1 ; y=\"\\\"\""), EXPECT_FIELD_UNKNOWN, 0, 1 },
    { N("foo=bar;"),                  EXPECT_FIELD_UNKNOWN, 0, 1 },
    { N("foo=bar ; ;x=y"),            EXPECT_FIELD_UNKNOWN, 0, 1 },
    { N("100-continuex"),             EXPECT_FIELD_UNKNOWN, 0, 1 },
    { N("100-continu"),               EXPECT_FIELD_UNKNOWN, 0, 1 },
    { N("x, 100-continue, y"),        EXPECT_FIELD_UNKNOWN, 1, 2 },
    { N("100-continue=1"),            EXPECT_FIELD_AMBIGUOUS, 0, 0 },
    { N("100-continue=\"\""),         EXPECT_FIELD_AMBIGUOUS, 0, 0 },
    { N("foo, 100-continue=1;a=b"),   EXPECT_FIELD_AMBIGUOUS, 0, 1 },
    { N("y 100-continue"),            EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue x"),            EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue;x=1"),          EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue ;x=1"),         EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue =1"),           EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue= 1"),           EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue="),             EXPECT_FIELD_INVALID, 0, 0 },
    { N("foo=bar;x"),                 EXPECT_FIELD_INVALID, 0, 0 },
    { N("foo=bar;x="),                EXPECT_FIELD_INVALID, 0, 0 },
    { N("foo=\"unterminated"),        EXPECT_FIELD_INVALID, 0, 0 },
    { N("foo=\"ends in backslash\\"), EXPECT_FIELD_INVALID, 0, 0 },
    { N("foo=\"ctl\x01\""),           EXPECT_FIELD_INVALID, 0, 0 },
    { N("foo=\"del\x7f\""),           EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue\r\n"),          EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue\r\n x"),        EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-\x00" "continue"),       EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue\x00"),          EXPECT_FIELD_INVALID, 0, 0 },
    { N("\x80"),                      EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue\x0b"),          EXPECT_FIELD_INVALID, 0, 0 },
    { N("\"100-continue\""),          EXPECT_FIELD_INVALID, 0, 0 },
    { N("(100-continue)"),            EXPECT_FIELD_INVALID, 0, 0 },
    { N("100-continue/1"),            EXPECT_FIELD_INVALID, 0, 0 },
    { N("foo=\"obs-text \x80\xff ok\""), EXPECT_FIELD_UNKNOWN, 0, 1 },
};

int main(void)
{
    size_t i, failed = 0, n = sizeof(cases) / sizeof(cases[0]);

    for (i = 0; i < n; i++) {
        expect_field_t info;
        expect_field_e got = expect_field_parse(cases[i].value, cases[i].len,
                                                &info);
        int counts = got == EXPECT_FIELD_INVALID
                     || (info.continues == cases[i].continues
                         && info.unknowns == cases[i].unknowns);

        if (got != cases[i].want || !counts) {
            printf("FAIL case %zu: got %s (%u continue, %u unknown), "
                   "want %s (%u, %u)\n", i, expect_field_name(got),
                   info.continues, info.unknowns,
                   expect_field_name(cases[i].want), cases[i].continues,
                   cases[i].unknowns);
            failed++;
        }
    }
    printf("expect_field: %zu passed, %zu failed\n", n - failed, failed);
    return failed != 0;
}
