// ICU regular expressions behind a header that uses <stdint.h> types only (see Package.swift
// for why Swift must never see ICU's own headers). Offsets are UTF-8 byte offsets.
#ifndef TM_REGEX_H
#define TM_REGEX_H
#include <stdint.h>

typedef struct tm_regex tm_regex;

/// Compiles `pattern` (UTF-8). On failure returns NULL, sets *status to the ICU error code and
/// writes a message (with the offending offset in the pattern) into `message`.
tm_regex *tm_regex_open(const char *pattern, int32_t pattern_length,
                        int32_t *status, char *message, int32_t message_capacity);
/// An independent copy for another thread: an ICU matcher is not thread-safe.
tm_regex *tm_regex_clone(const tm_regex *regex, int32_t *status);
void tm_regex_close(tm_regex *regex);

/// Points the matcher at `text` (UTF-8, not copied: keep it alive while matching).
void tm_regex_reset(tm_regex *regex, const uint8_t *text, int64_t length, int32_t *status);
/// The next match after the previous one: 1 and its byte range, 0 when there is none, -1 on error.
int32_t tm_regex_next(tm_regex *regex, int64_t *start, int64_t *end, int32_t *status);

/// ICU's name for an error code, for messages.
const char *tm_error_name(int32_t status);

#endif
