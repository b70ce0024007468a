// Downloads made in the page (results, weights, charts): nothing leaves the machine.

/** Saves a Blob under `filename`. */
export function downloadBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** CSV text of rows (arrays of cells); strings are quoted when needed and never start a spreadsheet formula. */
export function toCSV(rows) {
  const cell = (v) => {
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
    let s = v == null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export const downloadJSON = (obj, filename) =>
  downloadBlob(new Blob([JSON.stringify(obj, null, 2)], { type: 'application/json' }), filename);

export const downloadCSV = (rows, filename) => downloadBlob(new Blob([toCSV(rows)], { type: 'text/csv' }), filename);

export const downloadBytes = (bytes, filename) =>
  downloadBlob(new Blob([bytes], { type: 'application/octet-stream' }), filename);
