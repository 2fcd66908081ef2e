/**
 * A list of vectors passed as one statement parameter, typed `$n::vector[]` in the SQL. Both databases
 * get it in PostgreSQL's binary array format (pgvector's `vector_recv` per element: half the bytes of the
 * text form, and no float printing or parsing on either side). Writing a crawled page's chunks spent more
 * time formatting, sending and parsing its vectors as text than inserting them.
 */
export class VectorArrayParam {
  constructor(readonly vectors: readonly Float32Array[]) {}

  /**
   * Binary array of `vector` (its type's OID is the database's own: pgvector is an extension): header
   * (dimensions, null flag, element type, length, lower bound), then each element as its length and
   * vector_recv's format (int16 dimension, int16 unused, big-endian float4 values).
   */
  toBinary(vectorOid: number): Buffer {
    const size = 20 + this.vectors.reduce((n, v) => n + 4 + 4 + 4 * v.length, 0);
    const buf = Buffer.allocUnsafe(size);
    let o = buf.writeInt32BE(1, 0);
    o = buf.writeInt32BE(0, o);
    o = buf.writeUInt32BE(vectorOid, o);
    o = buf.writeInt32BE(this.vectors.length, o);
    o = buf.writeInt32BE(1, o);
    for (const v of this.vectors) {
      o = buf.writeInt32BE(4 + 4 * v.length, o);
      o = buf.writeInt16BE(v.length, o);
      o = buf.writeInt16BE(0, o);
      for (let i = 0; i < v.length; i++) o = buf.writeFloatBE(v[i]!, o);
    }
    return buf;
  }
}
