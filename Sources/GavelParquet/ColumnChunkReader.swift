/// One column chunk decoded: its levels and its non-null values.
struct ColumnData {
    /// Repetition levels, one per entry (empty when the column never repeats: all 0).
    var repetition: [UInt8] = []
    /// Definition levels, one per entry (empty when the column is required all the way: all max).
    var definition: [UInt8] = []
    /// The values of the entries whose definition level is the maximum, in order.
    var values: [ParquetValue] = []
    /// Entries (values and nulls).
    var count = 0
}

/// Decodes the pages of one column chunk.
enum ColumnChunkReader {
    /// Parquet's encodings by number, for messages.
    static let encodingNames = [
        0: "PLAIN", 2: "PLAIN_DICTIONARY", 3: "RLE", 4: "BIT_PACKED", 5: "DELTA_BINARY_PACKED",
        6: "DELTA_LENGTH_BYTE_ARRAY", 7: "DELTA_BYTE_ARRAY", 8: "RLE_DICTIONARY", 9: "BYTE_STREAM_SPLIT",
    ]

    /// The most values one column chunk may hold: a guard against a corrupt count, far above what writers produce.
    static let maxEntries = 1 << 28

    /// Decodes `bytes` (the whole chunk, dictionary page first) into `entries` entries of `leaf`.
    static func read(_ bytes: [UInt8], leaf: ParquetSchema.Node, codec: ParquetCodec, entries: Int) throws(ParquetError) -> ColumnData {
        var data = ColumnData()
        let maxDef = leaf.definitionLevel
        let maxRep = leaf.repetitionLevel
        guard maxDef <= 255, maxRep <= 255 else { throw .unsupported("nesting deeper than 255 levels") }
        guard let type = leaf.physicalType else { throw .corrupt("a group where a leaf column was expected") }
        guard entries <= maxEntries else { throw .unsupported("a column chunk of more than \(maxEntries) values") }
        var dictionary: [ParquetValue]?
        var p = 0
        while data.count < entries {
            guard p < bytes.count else { throw .corrupt("the column chunk ends after \(data.count) of \(entries) values") }
            var headerReader = ThriftCompactReader(bytes, from: p)
            let header = try headerReader.readStruct()
            p = headerReader.position
            guard let pageType = header.int(1), let size = header.int(2), let stored = header.int(3), size >= 0, stored >= 0 else {
                throw .corrupt("a page header without its type or sizes")
            }
            guard stored <= bytes.count - p else { throw .corrupt("a page of \(stored) bytes runs past the end of its column chunk") }
            let page = bytes[p..<(p + stored)]
            p += stored
            switch pageType {
            case 2:
                guard let dh = header.structure(7), let n = dh.int(1), n >= 0 else {
                    throw .corrupt("a dictionary page without its header")
                }
                let encoding = dh.int(2) ?? 0
                guard encoding == 0 || encoding == 2 else { throw .unsupported("dictionary encoding \(name(encoding))") }
                let raw = try codec.decompress(page, size: size)
                dictionary = try PlainValues.decode(raw, from: 0, type: type, typeLength: leaf.typeLength, count: n)
            case 0:
                guard let dh = header.structure(5), let n = dh.int(1), n >= 0, let encoding = dh.int(2) else {
                    throw .corrupt("a data page without its header")
                }
                guard n <= entries - data.count else { throw .corrupt("a page holds more values than its column chunk") }
                let raw = try codec.decompress(page, size: size)
                let (rep, def, q) = try raw.withBytes { buf throws(ParquetError) in
                    var q = 0
                    let rep = try levelsV1(buf, &q, max: maxRep, count: n, encoding: dh.int(4) ?? 3)
                    let def = try levelsV1(buf, &q, max: maxDef, count: n, encoding: dh.int(3) ?? 3)
                    return (rep, def, q)
                }
                try append(
                    values: raw, from: q, rep: rep, def: def, count: n, encoding: encoding, leaf: leaf, type: type, dictionary: dictionary,
                    to: &data)
            case 3:
                guard let dh = header.structure(8), let n = dh.int(1), n >= 0, let encoding = dh.int(4),
                    let defLength = dh.int(5), let repLength = dh.int(6), defLength >= 0, repLength >= 0,
                    repLength + defLength <= page.count, repLength + defLength <= size
                else { throw .corrupt("a v2 data page without a valid header") }
                guard n <= entries - data.count else { throw .corrupt("a page holds more values than its column chunk") }
                let compressed = dh[7]?.boolValue ?? true
                let levelBytes = Array(page.prefix(repLength + defLength))
                let valuePart = page.dropFirst(repLength + defLength)
                let values =
                    compressed
                    ? try codec.decompress(valuePart, size: size - repLength - defLength) : Array(valuePart)
                let (rep, def) = try levelBytes.withBytes { buf throws(ParquetError) in
                    let r =
                        maxRep == 0
                        ? []
                        : try RLEHybrid.decode(
                            UnsafeRawBufferPointer(rebasing: buf[0..<repLength]), bitWidth: RLEHybrid.bitWidth(maxRep), count: n)
                    let d =
                        maxDef == 0
                        ? []
                        : try RLEHybrid.decode(
                            UnsafeRawBufferPointer(rebasing: buf[repLength...]), bitWidth: RLEHybrid.bitWidth(maxDef), count: n)
                    return (r, d)
                }
                try append(
                    values: values, from: 0, rep: rep, def: def, count: n, encoding: encoding, leaf: leaf, type: type,
                    dictionary: dictionary, to: &data)
            default:
                continue  // index pages and page types from the future carry no values
            }
        }
        guard data.count == entries else { throw .corrupt("the column chunk holds \(data.count) values; its metadata says \(entries)") }
        return data
    }

    private static func name(_ encoding: Int) -> String { encodingNames[encoding] ?? "number \(encoding)" }

    /// Reads v1 levels at `q`: RLE with a 4-byte length, or the old BIT_PACKED layout.
    private static func levelsV1(
        _ buf: UnsafeRawBufferPointer, _ q: inout Int, max: Int, count: Int, encoding: Int
    ) throws(ParquetError) -> [UInt32] {
        guard max > 0 else { return [] }
        let width = RLEHybrid.bitWidth(max)
        switch encoding {
        case 3:
            guard buf.count - q >= 4 else { throw .corrupt("a page's levels run past its end") }
            let n = Int(buf.loadUnaligned(fromByteOffset: q, as: UInt32.self).littleEndian)
            q += 4
            guard n <= buf.count - q else { throw .corrupt("a page's levels run past its end") }
            let levels = try RLEHybrid.decode(UnsafeRawBufferPointer(rebasing: buf[q..<(q + n)]), bitWidth: width, count: count)
            q += n
            return levels
        case 4:
            // Deprecated BIT_PACKED levels: packed from the most significant bit, no length prefix.
            let n = (count * width + 7) / 8
            guard n <= buf.count - q else { throw .corrupt("a page's levels run past its end") }
            var levels: [UInt32] = []
            levels.reserveCapacity(count)
            for i in 0..<count {
                var v: UInt32 = 0
                for b in 0..<width {
                    let bit = i * width + b
                    v = v << 1 | UInt32(buf[q + bit >> 3] >> UInt8(7 - bit & 7) & 1)
                }
                levels.append(v)
            }
            q += n
            return levels
        default: throw .unsupported("level encoding \(name(encoding))")
        }
    }

    /// Decodes one page's values and appends its entries.
    private static func append(
        values page: [UInt8], from start: Int, rep: [UInt32], def: [UInt32], count n: Int, encoding: Int, leaf: ParquetSchema.Node,
        type: ParquetSchema.PhysicalType, dictionary: [ParquetValue]?, to data: inout ColumnData
    ) throws(ParquetError) {
        let maxDef = leaf.definitionLevel
        var present = n
        if maxDef > 0 {
            present = 0
            for d in def {
                guard d <= maxDef else { throw .corrupt("a definition level \(d) above the column's maximum \(maxDef)") }
                if d == maxDef { present += 1 }
            }
        }
        for r in rep where r > leaf.repetitionLevel {
            throw .corrupt("a repetition level \(r) above the column's maximum \(leaf.repetitionLevel)")
        }
        let decoded: [ParquetValue]
        switch encoding {
        case 0:
            decoded = try PlainValues.decode(page, from: start, type: type, typeLength: leaf.typeLength, count: present)
        case 2, 8:
            guard let dictionary else { throw .corrupt("dictionary-encoded values without a dictionary page") }
            guard present > 0 else {
                decoded = []
                break
            }
            guard page.count - start >= 1 else { throw .corrupt("dictionary indices without their bit width") }
            let indices = try page.withBytes { buf throws(ParquetError) in
                try RLEHybrid.decode(UnsafeRawBufferPointer(rebasing: buf[(start + 1)...]), bitWidth: Int(buf[start]), count: present)
            }
            var out: [ParquetValue] = []
            out.reserveCapacity(present)
            for i in indices {
                guard Int(i) < dictionary.count else { throw .corrupt("a dictionary index \(i) past the dictionary's \(dictionary.count)") }
                out.append(dictionary[Int(i)])
            }
            decoded = out
        case 3 where type == .boolean:
            decoded = try page.withBytes { all throws(ParquetError) in
                let buf = UnsafeRawBufferPointer(rebasing: all[start...])
                guard buf.count >= 4 else { throw .corrupt("RLE booleans without their length") }
                let length = Int(buf.loadUnaligned(as: UInt32.self).littleEndian)
                guard length <= buf.count - 4 else { throw .corrupt("RLE booleans run past the end of their page") }
                return try RLEHybrid.decode(UnsafeRawBufferPointer(rebasing: buf[4..<(4 + length)]), bitWidth: 1, count: present)
                    .map { .bool($0 == 1) }
            }
        case 5 where type == .int32 || type == .int64:
            let values = try page.withBytes { all throws(ParquetError) in
                var p = 0
                return try DeltaValues.binaryPacked(
                    UnsafeRawBufferPointer(rebasing: all[start...]), from: &p, count: present, bits: type == .int32 ? 32 : 64)
            }
            decoded = type == .int32 ? values.map { .int32(Int32(truncatingIfNeeded: $0)) } : values.map { .int64($0) }
        case 6 where type == .byteArray:
            decoded = try DeltaValues.lengthByteArrays(page, from: start, count: present)
        case 7 where type == .byteArray || type == .fixedLenByteArray:
            decoded = try DeltaValues.byteArrays(page, from: start, count: present, width: type == .byteArray ? 0 : leaf.typeLength)
        case 9:
            decoded = try DeltaValues.byteStreamSplit(page, from: start, count: present, type: type, typeLength: leaf.typeLength)
        default:
            throw .unsupported("encoding \(name(encoding))" + ((5...9).contains(encoding) ? " for \(type) values" : ""))
        }
        if !rep.isEmpty { data.repetition.append(contentsOf: rep.lazy.map { UInt8($0) }) }
        if leaf.definitionLevel > 0 { data.definition.append(contentsOf: def.lazy.map { UInt8($0) }) }
        data.values.append(contentsOf: decoded)
        data.count += n
    }
}
