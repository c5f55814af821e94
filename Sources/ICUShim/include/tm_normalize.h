// ICU normalization, character properties and case mapping behind a <stdint.h>-only header,
// because Swift modules that also see Foundation must never see ICU's own headers (see
// Package.swift). Owned by the Normalizer module. Code points are int32_t, text is UTF-16.
#ifndef TM_NORMALIZE_H
#define TM_NORMALIZE_H
#include <stdint.h>

/// 0 NFC, 1 NFKC, 2 NFKC_Casefold, 3 NFD, 4 NFKD.
typedef int32_t tm_form;

/// Normalizes UTF-16 `source` into `dest`; returns the length needed (may exceed capacity:
/// then *status is U_BUFFER_OVERFLOW_ERROR = 15 and the caller retries with a larger buffer).
int32_t tm_normalize(tm_form form, const uint16_t *source, int32_t length,
                     uint16_t *dest, int32_t capacity, int32_t *status);

/// Length of the prefix of `source` that is certainly normalized (unorm2_spanQuickCheckYes).
int32_t tm_span_quick_check_yes(tm_form form, const uint16_t *source, int32_t length, int32_t *status);

/// 1 when text can be cut before `c` without changing the result of normalizing it
/// (unorm2_hasBoundaryBefore), else 0.
int32_t tm_has_boundary_before(tm_form form, int32_t c);

/// 1 when `c` is quick-check YES in `form` and has a normalization boundary before it: a run of
/// such code points is already normalized and cannot interact with a neighbour before it.
int32_t tm_is_fast_yes(tm_form form, int32_t c);

/// Fills `bits` (1024 words, bit c of the BMP) with tm_is_fast_yes for every BMP code point.
void tm_fill_fast_yes(tm_form form, uint64_t *bits);

/// 1 when `c` has the Default_Ignorable_Code_Point property.
int32_t tm_is_default_ignorable(int32_t c);
/// Fills `bits` (1024 words) with tm_is_default_ignorable for the BMP.
void tm_fill_default_ignorable(uint64_t *bits);

/// 1 when full lowercasing leaves `c` alone in every context (not U+0130, whose lowercase is two
/// code points, nor any code point with a different simple lowercase).
int32_t tm_is_lowercase_stable(int32_t c);
/// Fills `bits` (1024 words) with tm_is_lowercase_stable for the BMP.
void tm_fill_lowercase_stable(uint64_t *bits);

/// Full lowercasing of UTF-16 text in the root locale (u_strToLower with ""), final sigma
/// included. Returns the length needed; *status 15 means retry with a larger buffer.
int32_t tm_to_lower(const uint16_t *source, int32_t length, uint16_t *dest, int32_t capacity,
                    int32_t *status);

/// The Unicode version of the ICU data, e.g. "15.0" (writes a NUL-terminated string).
void tm_unicode_version(char *buffer, int32_t capacity);

/// ICU's name for an error code, for messages.
const char *tm_normalize_error_name(int32_t status);

#endif
