import type { Request, Response } from 'express';
import { UTF8_BOM } from '../../shared/exports/hxl-csv';

/**
 * Whether a CSV download starts with the UTF-8 byte order mark: yes unless `?bom=0` (or `false`).
 * Spreadsheets opened by double-click need it to read UTF-8; machines may not want it.
 */
export function wantsBom(req: Request): boolean {
  const raw = req.query.bom;
  return !(raw === '0' || raw === 'false');
}

/** The query string without `bom`, for routes whose own filters are strict. */
export function withoutBom(req: Request): Record<string, unknown> {
  const { bom: _bom, ...rest } = req.query;
  return rest;
}

/** Sends a CSV as a download, with the BOM unless the request asked for none. */
export function sendCsv(req: Request, res: Response, csv: string, fileName: string): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
  res.send(wantsBom(req) ? UTF8_BOM + csv : csv);
}
