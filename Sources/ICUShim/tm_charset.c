#include "tm_charset.h"
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>
#include <unicode/ucsdet.h>

int32_t tm_single_byte_table(const char *name, int32_t *table) {
    UErrorCode error = U_ZERO_ERROR;
    UConverter *converter = ucnv_open(name, &error);
    if (U_FAILURE(error)) return error;
    // Stop instead of substituting, so undefined bytes are seen as such (-1).
    ucnv_setToUCallBack(converter, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &error);
    if (U_FAILURE(error)) { ucnv_close(converter); return error; }
    if (ucnv_getMaxCharSize(converter) != 1) { ucnv_close(converter); return U_ILLEGAL_ARGUMENT_ERROR; }
    for (int32_t b = 0; b < 256; b++) {
        char byte = (char)b;
        UChar units[4];
        UErrorCode step = U_ZERO_ERROR;
        ucnv_reset(converter);
        int32_t n = ucnv_toUChars(converter, units, 4, &byte, 1, &step);
        if (U_FAILURE(step) || n < 1) { table[b] = -1; continue; }
        table[b] = (n == 2) ? 0x10000 + ((units[0] - 0xD800) << 10) + (units[1] - 0xDC00) : units[0];
    }
    ucnv_close(converter);
    return 0;
}

int32_t tm_detect_charset(const uint8_t *bytes, int32_t length, char *name, int32_t capacity, int32_t *confidence) {
    UErrorCode error = U_ZERO_ERROR;
    UCharsetDetector *detector = ucsdet_open(&error);
    if (U_FAILURE(error)) return error;
    ucsdet_setText(detector, (const char *)bytes, length, &error);
    const UCharsetMatch *match = U_SUCCESS(error) ? ucsdet_detect(detector, &error) : NULL;
    if (U_FAILURE(error) || match == NULL) { ucsdet_close(detector); return U_FAILURE(error) ? error : U_INVALID_CHAR_FOUND; }
    const char *found = ucsdet_getName(match, &error);
    *confidence = ucsdet_getConfidence(match, &error);
    if (U_FAILURE(error) || found == NULL) { ucsdet_close(detector); return U_FAILURE(error) ? error : U_INVALID_CHAR_FOUND; }
    int32_t i = 0;
    for (; found[i] != 0 && i < capacity - 1; i++) name[i] = found[i];
    name[i] = 0;
    ucsdet_close(detector);
    return 0;
}

int32_t tm_convert_to_utf8(const char *from, const uint8_t *input, int32_t length, uint8_t *output, int32_t capacity, int32_t *error_code) {
    UErrorCode error = U_ZERO_ERROR;
    int32_t written = ucnv_convert("UTF-8", from, (char *)output, capacity, (const char *)input, length, &error);
    *error_code = error == U_STRING_NOT_TERMINATED_WARNING ? 0 : error;
    return written;
}
