// A table row for the result tables: the first cell a row header, the rest data cells (text only).

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
