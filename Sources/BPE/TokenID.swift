/// A token id. 32 bits: vocabularies in use reach 200k ids, past 16 bits.
public typealias TokenID = UInt32
