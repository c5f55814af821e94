// CLD2 language identification behind a C header of <stdint.h> types (CLD2's own API is C++).
// Owned by the Cleaning module (LanguageIdentifier).
#ifndef TM_CLD2_H
#define TM_CLD2_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// CLD2's answer for a text: its top three languages (CLD2 `Language` numbers; 26 is
/// UNKNOWN_LANGUAGE, "un"), the percentage of the text's letters in each, CLD2's normalized
/// scores (about 1.0 for ordinary text in that language), the letters it scored, and whether
/// it calls the top language reliable.
typedef struct {
    int32_t language[3];
    int32_t percent[3];
    double normalized_score[3];
    int32_t text_bytes;
    int32_t reliable;
    /// Bytes of the input that are valid UTF-8 (CLD2 looks at this prefix only).
    int32_t valid_prefix_bytes;
} tm_cld2_result;

/// Detects the language of `length` bytes of plain UTF-8 text (not HTML). Thread-safe. With
/// `best_effort` non-zero CLD2 answers even for very short text instead of "un".
/// Returns the top language (result->language[0]).
int32_t tm_cld2_detect(const uint8_t *text, int32_t length, int32_t best_effort, tm_cld2_result *result);

/// CLD2's code for a language number ("en", "zh-Hant", "iw", "un" …); "" for an unused number.
const char *tm_cld2_language_code(int32_t language);

/// CLD2's English name for a language number ("ENGLISH", …).
const char *tm_cld2_language_name(int32_t language);

/// One past the largest language number.
int32_t tm_cld2_language_count(void);

/// The language number for a code or name ("de", "GERMAN"), or 26 (unknown).
int32_t tm_cld2_language_from_name(const char *name);

/// CLD2's version text ("code_version - data_build_date").
const char *tm_cld2_version(void);

#ifdef __cplusplus
}
#endif
#endif
