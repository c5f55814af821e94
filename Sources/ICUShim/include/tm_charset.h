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

#endif
