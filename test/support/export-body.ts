import type { ExportStream } from '../../server/services/export.service';

/** A streamed export's pieces joined into the whole file (tests read small crises whole). */
export async function exportBody(stream: ExportStream): Promise<string> {
  const pieces: string[] = [];
  await stream.write(async (chunk) => {
    pieces.push(chunk);
  });
  return pieces.join('');
}
