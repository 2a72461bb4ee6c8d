/// One tensor of a GGUF file: name, ggml dimensions, element type and where its bytes are.
///
/// Dimension order: `dims` is ggml's `ne`, innermost first. `dims[0]` is the fastest-varying
/// dimension, i.e. the number of columns of the row-major matrix; `shape` is `dims` reversed.
/// A PyTorch `Linear` weight [out, in] is stored with `dims == [in, out]`, so `rows == out`
/// and `cols == in`, and row `r` is the contiguous run of values `r*cols ..< (r+1)*cols`.
public struct GGUFTensorInfo: Hashable, Sendable {
    /// The tensor's name, e.g. "blk.0.attn_q.weight".
    public let name: String
    /// ggml dimensions, innermost (columns) first.
    public let dims: [Int]
    /// Element type.
    public let type: GGMLType
    /// Offset of the first byte from the start of the file's data section.
    public let offset: Int
    /// Number of bytes of the tensor's data.
    public let byteCount: Int

    public init(name: String, dims: [Int], type: GGMLType, offset: Int, byteCount: Int) {
        self.name = name
        self.dims = dims
        self.type = type
        self.offset = offset
        self.byteCount = byteCount
    }

    /// Number of values.
    public var count: Int { dims.reduce(1, *) }
    /// Row-major shape (outermost first): `dims` reversed.
    public var shape: [Int] { Array(dims.reversed()) }
    /// Length of a row: `dims[0]`.
    public var cols: Int { dims.first ?? 1 }
    /// Number of rows when every outer dimension is folded into one.
    public var rows: Int { cols == 0 ? 0 : count / cols }
}
