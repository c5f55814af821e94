import Foundation

/// A hand-written SVG line chart of train and validation loss against the step.
public enum LossCurve {
    public static func svg(train: [(step: Int, loss: Float)], val: [(step: Int, loss: Float)],
                           title: String = "Tokenmill GPT pretraining") -> String {
        let W = 720.0, H = 420.0, left = 64.0, right = 20.0, top = 36.0, bottom = 48.0
        let pts = (train + val).filter { $0.loss.isFinite }
        let maxStep = max(1, pts.map(\.step).max() ?? 1)
        var lo = Double(pts.map(\.loss).min() ?? 0), hi = Double(pts.map(\.loss).max() ?? 1)
        if hi - lo < 1e-6 { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * 0.05; lo -= pad; hi += pad
        func x(_ s: Int) -> Double { left + (W - left - right) * Double(s) / Double(maxStep) }
        func y(_ l: Float) -> Double { top + (H - top - bottom) * (1 - (Double(l) - lo) / (hi - lo)) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(W))" height="\(Int(H))" viewBox="0 0 \(Int(W)) \(Int(H))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(f(W / 2))" y="20" text-anchor="middle" font-size="14">\(title)</text>

        """
        for k in 0...5 {  // horizontal grid + loss ticks
            let v = lo + (hi - lo) * Double(k) / 5, yy = top + (H - top - bottom) * (1 - Double(k) / 5)
            s += "<line x1=\"\(f(left))\" y1=\"\(f(yy))\" x2=\"\(f(W - right))\" y2=\"\(f(yy))\" stroke=\"#e5e5e5\"/>"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(yy + 4))\" text-anchor=\"end\">\(String(format: "%.2f", v))</text>\n"
        }
        for k in 0...5 {  // step ticks
            let st = maxStep * k / 5, xx = x(st)
            s += "<text x=\"\(f(xx))\" y=\"\(f(H - bottom + 16))\" text-anchor=\"middle\">\(st)</text>\n"
        }
        s += "<line x1=\"\(f(left))\" y1=\"\(f(H - bottom))\" x2=\"\(f(W - right))\" y2=\"\(f(H - bottom))\" stroke=\"black\"/>"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(H - bottom))\" stroke=\"black\"/>\n"
        s += "<text x=\"\(f((left + W - right) / 2))\" y=\"\(f(H - 10))\" text-anchor=\"middle\">step</text>"
        s += "<text x=\"16\" y=\"\(f((top + H - bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(f((top + H - bottom) / 2)))\">loss (nats/token)</text>\n"
        let tr = train.filter { $0.loss.isFinite }.map { "\(f(x($0.step))),\(f(y($0.loss)))" }.joined(separator: " ")
        if !tr.isEmpty { s += "<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"\(tr)\"/>\n" }
        let vv = val.filter { $0.loss.isFinite }
        if !vv.isEmpty {
            s += "<polyline fill=\"none\" stroke=\"#ff7f0e\" stroke-width=\"2\" points=\"\(vv.map { "\(f(x($0.step))),\(f(y($0.loss)))" }.joined(separator: " "))\"/>\n"
            for p in vv { s += "<circle cx=\"\(f(x(p.step)))\" cy=\"\(f(y(p.loss)))\" r=\"3\" fill=\"#ff7f0e\"/>" }
            s += "\n"
        }
        s += "<line x1=\"\(f(W - 170))\" y1=\"46\" x2=\"\(f(W - 150))\" y2=\"46\" stroke=\"#1f77b4\" stroke-width=\"2\"/><text x=\"\(f(W - 145))\" y=\"50\">train loss</text>\n"
        s += "<line x1=\"\(f(W - 170))\" y1=\"64\" x2=\"\(f(W - 150))\" y2=\"64\" stroke=\"#ff7f0e\" stroke-width=\"2\"/><text x=\"\(f(W - 145))\" y=\"68\">validation loss</text>\n"
        s += "</svg>\n"
        return s
    }
}
