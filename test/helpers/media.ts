/**
 * Reads real media files with ffprobe (Debian's ffmpeg): codec and type of every stream, and the
 * audio's duration. MediaRecorder's WebM has no duration header (unknown-size segment), so the
 * duration is where the last audio packet ends. Missing ffprobe FAILS the test with an install
 * hint (`sudo sh scripts/install-debian-tools.sh ffmpeg`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';

export const FFPROBE = process.env.FFPROBE_PATH ?? '/usr/bin/ffprobe';

/** What ffprobe found in a file or at a URL. */
export interface Probe {
  /** `codec_type,codec_name` of each stream, e.g. `['audio,opus']`. */
  streams: string[];
  /** End of the last audio packet, seconds. */
  durationSeconds: number;
}

/** Probes a local file or an http(s) URL. @throws when ffprobe cannot read it (not media, refused URL). */
export async function probe(target: string): Promise<Probe> {
  assert.ok(
    fs.existsSync(FFPROBE),
    `ffprobe is required to check recordings but ${FFPROBE} does not exist. Install it with \`sudo sh scripts/install-debian-tools.sh ffmpeg\` or set FFPROBE_PATH.`,
  );
  const run = (args: string[]) => promisify(execFile)(FFPROBE, ['-v', 'error', ...args, target], { maxBuffer: 64 * 1024 * 1024 });
  const { stdout: streams } = await run(['-show_entries', 'stream=codec_type,codec_name', '-of', 'json']);
  const { stdout: packets } = await run(['-select_streams', 'a:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0']);
  let end = 0;
  for (const line of packets.split('\n')) {
    const [pts, duration] = line.split(',').map(Number);
    if (Number.isFinite(pts)) end = Math.max(end, pts! + (Number.isFinite(duration) ? duration! : 0));
  }
  const list = ((JSON.parse(streams) as { streams?: { codec_type?: string; codec_name?: string }[] }).streams ?? []).map((s) => `${s.codec_type},${s.codec_name}`);
  return { streams: list, durationSeconds: end };
}
