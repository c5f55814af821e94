#include "tm_regex.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unicode/uregex.h>
#include <unicode/utext.h>
#include <unicode/ustring.h>

struct tm_regex {
    URegularExpression *matcher;
    UText *text;
};

tm_regex *tm_regex_open(const char *pattern, int32_t pattern_length,
                        int32_t *status, char *message, int32_t message_capacity) {
    UErrorCode error = U_ZERO_ERROR;
    UParseError parse_error;
    UText *pattern_text = utext_openUTF8(NULL, pattern, pattern_length, &error);
    URegularExpression *matcher = NULL;
    if (U_SUCCESS(error)) matcher = uregex_openUText(pattern_text, 0, &parse_error, &error);
    utext_close(pattern_text);
    *status = error;
    if (U_FAILURE(error)) {
        if (message && message_capacity > 0) {
            snprintf(message, (size_t)message_capacity, "%s at line %d, offset %d",
                     u_errorName(error), parse_error.line, parse_error.offset);
        }
        return NULL;
    }
    tm_regex *regex = calloc(1, sizeof *regex);
    regex->matcher = matcher;
    return regex;
}

tm_regex *tm_regex_clone(const tm_regex *regex, int32_t *status) {
    UErrorCode error = U_ZERO_ERROR;
    URegularExpression *matcher = uregex_clone(regex->matcher, &error);
    *status = error;
    if (U_FAILURE(error)) return NULL;
    tm_regex *copy = calloc(1, sizeof *copy);
    copy->matcher = matcher;
    return copy;
}

void tm_regex_close(tm_regex *regex) {
    if (!regex) return;
    if (regex->matcher) uregex_close(regex->matcher);
    if (regex->text) utext_close(regex->text);
    free(regex);
}

void tm_regex_reset(tm_regex *regex, const uint8_t *text, int64_t length, int32_t *status) {
    UErrorCode error = U_ZERO_ERROR;
    // A UTF-8 UText makes ICU report native (byte) offsets, so no UTF-16 copy is made.
    regex->text = utext_openUTF8(regex->text, (const char *)text, length, &error);
    if (U_SUCCESS(error)) uregex_setUText(regex->matcher, regex->text, &error);
    *status = error;
}

int32_t tm_regex_next(tm_regex *regex, int64_t *start, int64_t *end, int32_t *status) {
    UErrorCode error = U_ZERO_ERROR;
    UBool found = uregex_findNext(regex->matcher, &error);
    *status = error;
    if (U_FAILURE(error)) return -1;
    if (!found) return 0;
    *start = uregex_start64(regex->matcher, 0, &error);
    *end = uregex_end64(regex->matcher, 0, &error);
    *status = error;
    return U_FAILURE(error) ? -1 : 1;
}

const char *tm_error_name(int32_t status) { return u_errorName((UErrorCode)status); }
