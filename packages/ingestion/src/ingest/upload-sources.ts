/**
 * Identity of uploaded files. An upload carries only what the client sends: a file name, which may
 * be a path (a folder picked in a browser sends "2024/rapport.pdf"; `cite ingest` through a running
 * engine sends the file's absolute path). The document URL is `file:///<that path>`, sanitised like
 * a zip entry name (no `..`, no drive letter), so that:
 * - re-uploading a file under the same path updates the same document;
 * - files of the same name in different folders are different documents;
 * - `cite ingest <dir>` gives the same URLs whether it writes to the database itself or hands the
 *   files to a running engine (both are `file://` + absolute path).
 * Two different files under one path in the same upload (two folders' "rapport.pdf" picked one by
 * one) cannot both be that path: the first keeps it, the others get their content hash in the URL.
 * Identical copies are sent once.
 */
import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { sanitiseEntryName } from '../extractors/archive.js';
import type { ExtractSource } from '../extractors/extract.js';
import { tailOf } from '@cite/core/text/whole-characters.js';

export interface UploadedFile {
  /** Name or relative/absolute path as the client sent it. */
  name: string;
  /** The bytes: in memory, or in a temporary file (the engine streams uploads to disk) with their SHA-256. */
  data?: Buffer;
  path?: string;
  sha256?: string;
  contentType?: string;
}

/** `file:///a/b.pdf` for a client path `a/b.pdf`, `/a/b.pdf` or `C:\a\b.pdf`. */
export function uploadUrl(name: string): string {
  return pathToFileURL(`/${sanitiseEntryName(name) || 'upload'}`).href;
}

/**
 * The display path of an upload: the sanitised client path, absolute when the client's was (`cite ingest`
 * through an engine sends absolute paths: its failures then print the same whole paths as a direct ingest).
 */
export function uploadName(name: string): string {
  const clean = sanitiseEntryName(name) || 'upload';
  return tailOf(/^(?:[/\\]|[A-Za-z]:[/\\])/.test(name) ? `/${clean}` : clean, 300);
}

/** Extraction sources for the files of one upload, each with a document identity that does not collide. */
export function uploadSources(files: UploadedFile[]): ExtractSource[] {
  const byUrl = new Map<string, string[]>(); // url → content hashes already taken
  const out: ExtractSource[] = [];
  for (const f of files) {
    const name = uploadName(f.name);
    const url = uploadUrl(name);
    const hash = f.sha256 ?? crypto.createHash('sha256').update(f.data ?? Buffer.alloc(0)).digest('hex');
    // a file on disk carries its URL: its own path is a temporary one
    const bytes = f.path !== undefined ? { path: f.path } : { data: f.data };
    const taken = byUrl.get(url);
    if (!taken) {
      byUrl.set(url, [hash]);
      out.push({ ...bytes, name, contentType: f.contentType, ...(f.path !== undefined ? { url } : {}) });
      continue;
    }
    if (taken.includes(hash)) continue; // the same file twice
    taken.push(hash);
    out.push({ ...bytes, name, contentType: f.contentType, url: `${url}?sha256=${hash.slice(0, 16)}` });
  }
  return out;
}
