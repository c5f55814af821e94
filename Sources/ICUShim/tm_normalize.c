#include "tm_normalize.h"
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/uversion.h>

// ICU's getters look the instance up by name on every call; cache the pointers (immutable,
// process-wide singletons) so per-span calls cost nothing. A race only stores the same pointer.
static const UNormalizer2 *instance(tm_form form, UErrorCode *error) {
    static const UNormalizer2 *cache[5];
    if (form < 0 || form > 4) form = 4;
    const UNormalizer2 *n = __atomic_load_n(&cache[form], __ATOMIC_ACQUIRE);
    if (n) return n;
    switch (form) {
    case 0: n = unorm2_getNFCInstance(error); break;
    case 1: n = unorm2_getNFKCInstance(error); break;
    case 2: n = unorm2_getNFKCCasefoldInstance(error); break;
    case 3: n = unorm2_getNFDInstance(error); break;
    default: n = unorm2_getNFKDInstance(error); break;
    }
    if (U_SUCCESS(*error) && n) __atomic_store_n(&cache[form], n, __ATOMIC_RELEASE);
    return n;
}

int32_t tm_normalize(tm_form form, const uint16_t *source, int32_t length,
                     uint16_t *dest, int32_t capacity, int32_t *status) {
    UErrorCode error = U_ZERO_ERROR;
    const UNormalizer2 *n = instance(form, &error);
    int32_t written = 0;
    if (U_SUCCESS(error)) written = unorm2_normalize(n, (const UChar *)source, length, (UChar *)dest, capacity, &error);
    *status = error;
    return written;
}

int32_t tm_span_quick_check_yes(tm_form form, const uint16_t *source, int32_t length, int32_t *status) {
    UErrorCode error = U_ZERO_ERROR;
    const UNormalizer2 *n = instance(form, &error);
    int32_t span = 0;
    if (U_SUCCESS(error)) span = unorm2_spanQuickCheckYes(n, (const UChar *)source, length, &error);
    *status = error;
    return span;
}

int32_t tm_has_boundary_before(tm_form form, int32_t c) {
    UErrorCode error = U_ZERO_ERROR;
    const UNormalizer2 *n = instance(form, &error);
    return U_SUCCESS(error) && unorm2_hasBoundaryBefore(n, (UChar32)c) ? 1 : 0;
}

int32_t tm_is_fast_yes(tm_form form, int32_t c) {
    UErrorCode error = U_ZERO_ERROR;
    const UNormalizer2 *n = instance(form, &error);
    if (U_FAILURE(error) || (c >= 0xD800 && c <= 0xDFFF)) return 0;
    if (!unorm2_hasBoundaryBefore(n, (UChar32)c)) return 0;
    UChar units[2];
    int32_t length = 0;
    if (c < 0x10000) {
        units[length++] = (UChar)c;
    } else {
        units[length++] = (UChar)(0xD7C0 + (c >> 10));
        units[length++] = (UChar)(0xDC00 | (c & 0x3FF));
    }
    UNormalizationCheckResult result = unorm2_quickCheck(n, units, length, &error);
    return U_SUCCESS(error) && result == UNORM_YES ? 1 : 0;
}

void tm_fill_fast_yes(tm_form form, uint64_t *bits) {
    memset(bits, 0, 1024 * sizeof(uint64_t));
    for (int32_t c = 0; c < 0x10000; c++) {
        if (tm_is_fast_yes(form, c)) bits[c >> 6] |= (uint64_t)1 << (c & 63);
    }
}

int32_t tm_is_default_ignorable(int32_t c) {
    return u_hasBinaryProperty((UChar32)c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT) ? 1 : 0;
}

void tm_fill_default_ignorable(uint64_t *bits) {
    memset(bits, 0, 1024 * sizeof(uint64_t));
    for (int32_t c = 0; c < 0x10000; c++) {
        if (tm_is_default_ignorable(c)) bits[c >> 6] |= (uint64_t)1 << (c & 63);
    }
}

int32_t tm_is_lowercase_stable(int32_t c) {
    if (c == 0x130) return 0;  // İ lowercases to i + U+0307: two code points.
    if (c >= 0xD800 && c <= 0xDFFF) return 1;
    return u_tolower((UChar32)c) == (UChar32)c ? 1 : 0;
}

void tm_fill_lowercase_stable(uint64_t *bits) {
    memset(bits, 0, 1024 * sizeof(uint64_t));
    for (int32_t c = 0; c < 0x10000; c++) {
        if (tm_is_lowercase_stable(c)) bits[c >> 6] |= (uint64_t)1 << (c & 63);
    }
}

int32_t tm_to_lower(const uint16_t *source, int32_t length, uint16_t *dest, int32_t capacity,
                    int32_t *status) {
    UErrorCode error = U_ZERO_ERROR;
    int32_t written = u_strToLower((UChar *)dest, capacity, (const UChar *)source, length, "", &error);
    *status = error;
    return written;
}

void tm_unicode_version(char *buffer, int32_t capacity) {
    UVersionInfo version;
    char text[U_MAX_VERSION_STRING_LENGTH];
    u_getUnicodeVersion(version);
    u_versionToString(version, text);
    if (capacity > 0) {
        strncpy(buffer, text, (size_t)capacity - 1);
        buffer[capacity - 1] = 0;
    }
}

const char *tm_normalize_error_name(int32_t status) { return u_errorName((UErrorCode)status); }
