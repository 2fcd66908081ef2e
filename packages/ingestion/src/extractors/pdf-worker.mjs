// The PDF text reader's thread (see pdf-thread.ts). Plain JavaScript on purpose: it runs without tsx,
// whose module hooks made loading pdf.js cost ~250 MB of RSS instead of ~35 MB.
//
// In:  { data: ArrayBuffer, maxPages: number, maxDecompressedBytes: number, maxTextChars: number }
// Out: { total, info, pages: string[] } | { total, tooMany: true }
//    | { error: { name, message, tooComplex?: true } }
//
// Bombs. pdf.js inflates a stream into one growing ArrayBuffer, outside the V8 heap that the thread's
// resourceLimits bound: a 400 MB content stream in a 1 MB file took the whole process down ("heap out
// of memory" from an ArrayBuffer allocation, which V8 treats as fatal for the process, not the thread).
// So the file's compressed streams are measured first, inflated and thrown away chunk by chunk, and a
// file whose streams inflate past maxDecompressedBytes is refused before pdf.js sees it. A single huge
// string or array operand is refused too: pdf.js's lexer builds it in the heap at ~8 bytes a byte, and a
// heap that fills inside one synchronous token ends the process as well (a 100 MB string did, below any
// sensible byte bound). While pages are read, their text (characters and items) and the thread's memory
// are bounded too, for whatever the first check does not see (LZW, encrypted streams).
import Module, { createRequire } from 'node:module';
import v8 from 'node:v8';
import zlib from 'node:zlib';
import { parentPort } from 'node:worker_threads';

process.setSourceMapsEnabled(false);

// pdf.js requires @napi-rs/canvas as it loads, to draw pages (DOMMatrix, Path2D, ImageData, canvases).
// This thread only reads text, which draws nothing, and loading Skia cost ~21 MB of RSS for good
// (bench:crawl: Cité's peak RSS was ~55 MB higher with the site's 40 PDFs than without). pdf.js gets
// stand-ins that load the real module the first time something is drawn; the one matrix it makes as it
// loads (no arguments, a scratch matrix for drawing) stays a stand-in.
const loadModule = Module._load;
let canvas;
// resolved from where pdf.js asked for it
let canvasParent;
const realCanvas = () => (canvas ??= loadModule.call(Module, '@napi-rs/canvas', canvasParent, false));
const drawing = (name) =>
  class {
    constructor(...args) {
      if (name !== 'DOMMatrix' || args.length) return new (realCanvas()[name])(...args);
    }
  };
const canvasStandIn = new Proxy(
  { DOMMatrix: drawing('DOMMatrix'), Path2D: drawing('Path2D'), ImageData: drawing('ImageData') },
  { get: (standIns, key) => (key in standIns ? standIns[key] : realCanvas()[key]) },
);
Module._load = function (request, parent, isMain) {
  if (request !== '@napi-rs/canvas') return loadModule.call(this, request, parent, isMain);
  canvasParent ??= parent;
  return canvasStandIn;
};
const { PDFParse } = createRequire(import.meta.url)('pdf-parse');

/** Text items on one page (a dense page has a few thousand); each costs a few hundred heap bytes. */
const MAX_PAGE_ITEMS = 200_000;

class TooComplex extends Error {
  constructor(message) {
    super(message);
    this.name = 'PdfTooComplex';
  }
}

parentPort.on('message', async ({ data, maxPages, maxDecompressedBytes, maxTextChars }) => {
  let parser;
  try {
    const bytes = Buffer.from(data);
    await measureStreams(bytes, maxDecompressedBytes);
    parser = new PDFParse({ data: new Uint8Array(data), verbosity: 0, isEvalSupported: false });
    const info = await parser.getInfo();
    if (info.total > maxPages) {
      parentPort.postMessage({ total: info.total, tooMany: true });
      return;
    }
    const doc = await parser.load();
    const budget = { chars: maxTextChars, memory: memoryBound(maxDecompressedBytes, bytes.length) };
    const pages = [];
    for (let n = 1; n <= info.total; n++) {
      const page = await doc.getPage(n);
      page.getTextContent = (params) => boundedTextContent(page, params, budget);
      try {
        pages.push(await parser.getPageText(page, {}, info.total));
      } finally {
        page.cleanup();
      }
    }
    parentPort.postMessage({ total: info.total, info: plain(info.info), pages });
  } catch (e) {
    parentPort.postMessage({
      error: { name: e?.name ?? 'Error', message: e?.message ?? String(e), ...(e instanceof TooComplex ? { tooComplex: true } : {}) },
    });
  } finally {
    await parser?.destroy().catch(() => undefined);
  }
});

// ---------------------------------------------------------------------------------------------
// Compressed streams, measured before reading

/** Streams whose first filter is Flate (the only one pdf.js can inflate a thousandfold from a small file). */
const FLATE = /\/Filter\s*(?:\[\s*)?\/(?:FlateDecode|Fl)\b/;
/** Images are not decoded to read text; embedded files are never decoded. */
const NOT_DECODED = /\/Subtype\s*\/Image\b|\/Type\s*\/EmbeddedFile\b/;
/** Compressed streams below this are inflated at once (at most ~1,000 times their size); larger ones in chunks. */
const SMALL_STREAM = 8 * 1024;
/** Longest string or array operand (bytes): real ones are a line of text; pdf.js needs ~8 heap bytes a byte. */
const MAX_OPERAND_BYTES = 4 * 1024 * 1024;

/**
 * Inflates every Flate stream of the file (images aside), keeping only the count of bytes, and throws
 * TooComplex past `limit` bytes in all. Streams that do not inflate (encrypted, damaged) count what they
 * gave. Found by their keywords, not through the cross-reference table, which pdf.js may rebuild.
 */
async function measureStreams(bytes, limit) {
  let total = 0;
  let at = 0;
  while ((at = bytes.indexOf('stream', at, 'latin1')) !== -1) {
    const keyword = at;
    at += 6;
    if (keyword >= 3 && bytes.toString('latin1', keyword - 3, keyword) === 'end') continue;
    // the keyword is followed by CRLF or LF, and preceded by the stream's dictionary
    let start = at;
    if (bytes[start] === 0x0d) start++;
    if (bytes[start] !== 0x0a && start === at) continue;
    if (bytes[start] === 0x0a) start++;
    const before = bytes.toString('latin1', Math.max(0, keyword - 4096), keyword);
    const objAt = before.lastIndexOf('obj');
    const dict = objAt === -1 ? before : before.slice(objAt);
    if (!/>>\s*$/.test(dict) || NOT_DECODED.test(dict)) continue;
    let end = bytes.indexOf('endstream', start, 'latin1');
    if (end === -1) end = bytes.length;
    const operands = new OperandScan();
    if (FLATE.test(dict)) total += await inflatedLength(bytes.subarray(start, end), limit - total, operands);
    else if (!/\/Filter\b/.test(dict)) operands.scan(bytes.subarray(start, end));
    if (total > limit) {
      throw new TooComplex(`PDF streams inflate to more than ${limit} bytes (decompression bomb?)`);
    }
    if (operands.longest > MAX_OPERAND_BYTES) {
      throw new TooComplex(`PDF has a string or array operand of more than ${MAX_OPERAND_BYTES} bytes`);
    }
    at = end;
  }
}

/** Bytes `compressed` inflates to, counting no further than `left` + 1; its operands go through `operands`. */
function inflatedLength(compressed, left, operands) {
  const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  if (compressed.length <= SMALL_STREAM) {
    try {
      const out = zlib.inflateSync(compressed, { ...options, maxOutputLength: Math.max(1, left + 1) });
      operands.scan(out);
      return Promise.resolve(out.length);
    } catch (e) {
      return Promise.resolve(e?.code === 'ERR_BUFFER_TOO_LARGE' ? left + 1 : 0);
    }
  }
  return new Promise((resolve) => {
    let n = 0;
    const inflate = zlib.createInflate({ ...options, chunkSize: 256 * 1024 });
    const settle = () => {
      inflate.removeAllListeners('data');
      resolve(n);
    };
    inflate.on('data', (chunk) => {
      n += chunk.length;
      operands.scan(chunk);
      if (n > left || operands.longest > MAX_OPERAND_BYTES) {
        inflate.destroy();
        settle();
      }
    });
    inflate.on('end', settle);
    inflate.on('error', settle);
    inflate.on('close', settle);
    inflate.end(compressed);
  });
}

/**
 * The longest literal string `( … )`, hex string `< … >` or array `[ … ]` of a stream, fed chunk by chunk.
 * Binary data (fonts) may open one by chance; it closes within a few hundred bytes.
 */
class OperandScan {
  longest = 0;
  /** 0: between tokens, 1: literal string, 2: hex string. */
  mode = 0;
  depth = 0;
  escaped = false;
  /** Bytes of the current string, of the current (outermost) array. */
  run = 0;
  arrayDepth = 0;
  arrayRun = 0;
  /** The previous byte was '<' (a hex string or a dictionary's '<<'). */
  lt = false;

  scan(chunk) {
    let { mode, depth, escaped, run, arrayDepth, arrayRun, lt, longest } = this;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (arrayDepth) arrayRun++;
      if (mode === 1) {
        run++;
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x28) depth++;
        else if (c === 0x29 && --depth === 0) {
          mode = 0;
          if (run > longest) longest = run;
        }
        continue;
      }
      if (mode === 2) {
        run++;
        if (c === 0x3e) {
          mode = 0;
          if (run > longest) longest = run;
        }
        continue;
      }
      if (lt) {
        lt = false;
        if (c !== 0x3c) {
          mode = 2;
          run = 1;
          if (c === 0x3e) mode = 0;
          continue;
        }
        continue; // '<<'
      }
      if (c === 0x28) {
        mode = 1;
        depth = 1;
        run = 0;
      } else if (c === 0x3c) lt = true;
      else if (c === 0x5b) {
        if (arrayDepth++ === 0) arrayRun = 0;
      } else if (c === 0x5d && arrayDepth > 0 && --arrayDepth === 0 && arrayRun > longest) longest = arrayRun;
    }
    // a string or array still open counts too (its end may never come)
    longest = Math.max(longest, mode ? run : 0, arrayDepth ? arrayRun : 0);
    Object.assign(this, { mode, depth, escaped, run, arrayDepth, arrayRun, lt, longest });
  }
}

// ---------------------------------------------------------------------------------------------
// Text and memory, bounded while pages are read

/**
 * The thread's memory outside the heap (pdf.js's inflated streams) and its heap, stopped well before the
 * heap limit: an ArrayBuffer allocation that fails near that limit ends the whole process.
 */
function memoryBound(maxDecompressedBytes, fileBytes) {
  return {
    // streams being inflated grow by doubling; pdf.js holds the file and may copy it
    outside: 2 * maxDecompressedBytes + 2 * fileBytes,
    heap: 0.75 * v8.getHeapStatistics().heap_size_limit,
  };
}

function checkMemory(bound) {
  const m = process.memoryUsage();
  if (m.arrayBuffers > bound.outside || m.heapUsed > bound.heap) {
    throw new TooComplex(
      `PDF needs more memory than allowed to be read (${Math.round(m.heapUsed / 2 ** 20)} MB heap, ${Math.round(m.arrayBuffers / 2 ** 20)} MB buffers)`,
    );
  }
}

/**
 * page.getTextContent as pdf.js writes it (read its stream, gather the items), with the document's text
 * budget, the page's item bound and the memory bound checked at each chunk; past any, the stream is
 * cancelled (pdf.js stops evaluating the page) and TooComplex thrown.
 */
async function boundedTextContent(page, params, budget) {
  const reader = page.streamTextContent(params).getReader();
  const content = { items: [], styles: Object.create(null), lang: null };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return content;
      content.lang ??= value.lang;
      Object.assign(content.styles, value.styles);
      for (const item of value.items) {
        content.items.push(item);
        budget.chars -= typeof item.str === 'string' ? item.str.length : 0;
      }
      if (budget.chars < 0) throw new TooComplex('PDF has more text than allowed to be read');
      if (content.items.length > MAX_PAGE_ITEMS) throw new TooComplex(`PDF page has more than ${MAX_PAGE_ITEMS} pieces of text`);
      checkMemory(budget.memory);
    }
  } catch (e) {
    await reader.cancel(e).catch(() => undefined);
    throw e;
  }
}

/** Metadata fields that survive structured cloning (strings, numbers, dates). */
function plain(info) {
  const out = {};
  for (const [k, v] of Object.entries(info ?? {})) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) out[k] = v;
  }
  return out;
}
