// ICU character-set converters behind a <stdint.h>-only header (see tm_normalize.h for why).
// Owned by the Normalizer module.
#ifndef TM_CHARSET_H
#define TM_CHARSET_H
#include <stdint.h>

/// Decodes each of the 256 byte values with ICU's converter named `name` (e.g. "ISO-8859-1",
/// "windows-1252") and writes the code point into table[byte]; bytes the charset leaves
/// undefined get -1. Single-byte charsets are stateless, so a table is an exact replacement
/// for the converter and lets the hot loop run without calls into ICU.
/// Returns 0 on success, else the ICU error code (e.g. the converter is not available).
int32_t tm_single_byte_table(const char *name, int32_t *table);

/// ICU's charset detector (ucsdet) on `bytes`: writes the best match's name (NUL-terminated,
/// at most capacity - 1 characters) and its confidence (0–100). Returns 0 on success, else the
/// ICU error code.
int32_t tm_detect_charset(const uint8_t *bytes, int32_t length, char *name, int32_t capacity, int32_t *confidence);

/// Converts `length` bytes in the charset `from` to UTF-8 into `output`; sequences the charset
/// cannot map become U+FFFD. Returns the UTF-8 length (the length needed when `*error_code` is
/// U_BUFFER_OVERFLOW_ERROR, 15); `*error_code` is 0 on success, else ICU's error (e.g. no such
/// converter).
int32_t tm_convert_to_utf8(const char *from, const uint8_t *input, int32_t length, uint8_t *output, int32_t capacity, int32_t *error_code);

#endif
