#include "tm_charset.h"
#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>

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
