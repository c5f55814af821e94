import BPE
import Foundation
import Normalizer
import Testing

/// The normalization a vocabulary was trained with is part of the tokenizer: applied on encode,
/// written to and read from tokenizer.json.
@Suite struct NormalizationTravelsTests {
    @Test func encodeAppliesTheRecordedForm() throws {
        let base = Tokenizers.gpt2
        let nfkc = try Tokenizer(model: base.model, pattern: .gpt2, specialTokens: base.specialTokens, normalization: .nfkc)
        // Full-width letters, a ligature, a superscript: compatibility forms that NFKC folds.
        let raw = "Ｔｏｋｅｎｍｉｌｌ ﬁnds x² ｃａｆｅ\u{301}"
        let folded = "Tokenmill finds x2 café"
        #expect(try nfkc.encode(raw, specials: .ordinary) == base.encode(folded, specials: .ordinary))
        #expect(try base.encode(raw, specials: .ordinary) != base.encode(folded, specials: .ordinary))
    }

    @Test func theFormSurvivesTokenizerJSON() throws {
        let base = Tokenizers.gpt2
        for form in [NormalizationForm.nfc, .nfkc] {
            let tokenizer = try Tokenizer(model: base.model, pattern: .gpt2, normalization: form)
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("travels-\(form.rawValue)-\(getpid()).json").path
            try tokenizer.huggingFaceJSON().write(to: URL(fileURLWithPath: path))
            let reloaded = try Tokenizer.load(path)
            #expect(reloaded.normalization == form)
            #expect(try reloaded.encode("ﬁ café", specials: .ordinary) == tokenizer.encode("ﬁ café", specials: .ordinary))
        }
    }
}
