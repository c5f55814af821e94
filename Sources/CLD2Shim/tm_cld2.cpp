// extern "C" wrappers over CLD2's C++ API (see include/tm_cld2.h).
#include <cstdio>   // compact_lang_det.h uses FILE without including it
#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>
#include "tm_cld2.h"

using namespace CLD2;

extern "C" int32_t tm_cld2_detect(const uint8_t *text, int32_t length, int32_t best_effort, tm_cld2_result *result) {
    // CLD2 returns early, leaving these unset, on input that is not interchange-valid UTF-8.
    Language language3[3] = {UNKNOWN_LANGUAGE, UNKNOWN_LANGUAGE, UNKNOWN_LANGUAGE};
    int percent3[3] = {0, 0, 0};
    double scores3[3] = {0, 0, 0};
    int text_bytes = 0;
    bool reliable = false;
    int valid = 0;
    CLDHints hints = {nullptr, nullptr, UNKNOWN_ENCODING, UNKNOWN_LANGUAGE};
    Language top = ExtDetectLanguageSummaryCheckUTF8(
        reinterpret_cast<const char *>(text), length, /*is_plain_text=*/true, &hints,
        best_effort ? kCLDFlagBestEffort : 0, language3, percent3, scores3,
        /*resultchunkvector=*/nullptr, &text_bytes, &reliable, &valid);
    for (int i = 0; i < 3; i++) {
        result->language[i] = static_cast<int32_t>(language3[i]);
        result->percent[i] = percent3[i];
        result->normalized_score[i] = scores3[i];
    }
    result->text_bytes = text_bytes;
    result->reliable = reliable ? 1 : 0;
    result->valid_prefix_bytes = valid;
    return static_cast<int32_t>(top);
}

extern "C" const char *tm_cld2_language_code(int32_t language) {
    return LanguageCode(static_cast<Language>(language));
}

extern "C" const char *tm_cld2_language_name(int32_t language) {
    return LanguageName(static_cast<Language>(language));
}

extern "C" int32_t tm_cld2_language_count(void) { return NUM_LANGUAGES; }

extern "C" int32_t tm_cld2_language_from_name(const char *name) {
    return static_cast<int32_t>(GetLanguageFromName(name));
}

extern "C" const char *tm_cld2_version(void) { return DetectLanguageVersion(); }
