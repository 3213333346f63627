/**
 * Gives every body cell of a table the text of its column's header as `data-label`, and the table
 * the class `stack-table` (client/app.css): in a narrow window each row then stacks as a card of
 * "header: value" lines, so a table of many columns (3W, the situation report) is read whole on a
 * phone instead of cut off or hidden behind a sideways scroll bar. Rows added later (live data)
 * are labelled as they come. A Svelte action: `<table use:stackLabels>`.
 */
export function stackLabels(table: HTMLTableElement): { destroy: () => void } {
  table.classList.add('stack-table');
  const label = (): void => {
    const headers = [...table.querySelectorAll('thead th')].map((th) => th.textContent?.trim() ?? '');
    for (const row of table.tBodies[0]?.rows ?? []) {
      [...row.cells].forEach((cell, i) => {
        const text = headers[i] ?? '';
        if (cell.dataset.label !== text) cell.dataset.label = text;
      });
    }
  };
  label();
  // Attribute changes are not watched: the labels written here would wake the observer again.
  const observer = new MutationObserver(label);
  observer.observe(table, { childList: true, subtree: true, characterData: true });
  return { destroy: () => observer.disconnect() };
}
