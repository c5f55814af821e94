/// Little-endian integers in byte arrays: the one codec for every binary format written here
/// (shard header, footer and index; Megatron and llm.c exports; the counts and dedup messages
/// between ranks; the model's state and safetensors headers). Every format is little-endian on
/// every machine, as the files and messages must read back the same on another one.
///
/// `@inlinable` because `ShardWriter` appends a 4-byte token this way per token: a call across
/// the module boundary per token would cost more than the store.
extension Array where Element == UInt8 {
    /// Appends `value`'s bytes, least significant first. O(1) amortized.
    @inlinable
    public mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        // Byte by byte, as the shard writer's per-token loop had it: no buffer round trip.
        for shift in stride(from: 0, to: T.bitWidth, by: 8) { append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    /// Overwrites bytes `offset ..< offset + T.size` with `value`, least significant first (a
    /// field patched in place, such as the ordinals of a message renumbered before sending);
    /// traps when they are not all inside the array.
    @inlinable
    public mutating func writeLE<T: FixedWidthInteger>(_ value: T, at offset: Int) {
        precondition(offset >= 0 && offset <= count - MemoryLayout<T>.size, "little-endian write past the end")
        withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
    }

    /// The `T` stored little-endian at bytes `offset ..< offset + T.size`; traps when they are
    /// not all inside the array (callers check lengths first, with messages naming the field).
    @inlinable
    public func readLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        precondition(offset >= 0 && offset <= count - MemoryLayout<T>.size, "little-endian read past the end")
        return withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// The `UInt32` at `offset` (`readLE(UInt32.self, at:)`).
    @inlinable public func readLE32(_ offset: Int) -> UInt32 { readLE(UInt32.self, at: offset) }

    /// The `UInt64` at `offset` (`readLE(UInt64.self, at:)`).
    @inlinable public func readLE64(_ offset: Int) -> UInt64 { readLE(UInt64.self, at: offset) }
}

extension UnsafeRawBufferPointer {
    /// The `T` stored little-endian at byte `offset` (no alignment needed). Traps when the bytes
    /// are not all inside the buffer.
    @inlinable
    public func readLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        precondition(offset >= 0 && offset <= count - MemoryLayout<T>.size, "little-endian read past the end")
        return T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
