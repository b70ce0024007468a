// The result tables: an empty table with its caption and column headers, and rows whose first cell is a row header
// (text only).

/** @param {string} model the row's data-model @param {string[]} cells */
export function tableRow(model, cells) {
  const tr = document.createElement('tr');
  tr.dataset.model = model;
  cells.forEach((text, i) => {
    const td = document.createElement(i === 0 ? 'th' : 'td');
    if (i === 0) td.scope = 'row';
    td.textContent = text;
    tr.append(td);
  });
  return tr;
}

/**
 * A table with a caption and a header row, and its empty body.
 * @param {string} className @param {string} caption @param {string[]} columns the header cells' text
 * @returns {{table: HTMLTableElement, body: HTMLTableSectionElement}}
 */
export function createTable(className, caption, columns) {
  const table = document.createElement('table');
  table.className = className;
  const cap = document.createElement('caption');
  cap.textContent = caption;
  const body = document.createElement('tbody');
  table.append(cap, tableHead(columns), body);
  return { table, body };
}

/** A table's header: one row of column headers. @param {string[]} columns */
export function tableHead(columns) {
  const head = document.createElement('tr');
  for (const text of columns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = text;
    head.append(th);
  }
  const thead = document.createElement('thead');
  thead.append(head);
  return thead;
}
