/**
 * Small DOM helpers. Text always goes in through textContent, never innerHTML: replica ids, key
 * names and failure details come from outside and must not become markup.
 */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no #${id}`);
  return el as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { text?: string; className?: string; attrs?: Record<string, string> } = {},
  children: readonly Node[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className !== undefined) node.className = props.className;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** Replaces a table body's rows; an empty list shows `emptyText` across all columns instead. */
export function fillTable(
  body: HTMLTableSectionElement,
  rows: readonly (readonly (string | Node)[])[],
  emptyText: string,
): void {
  const columns = body.parentElement?.querySelectorAll('thead th').length ?? 1;
  if (rows.length === 0) {
    body.replaceChildren(
      el('tr', {}, [
        el('td', { text: emptyText, className: 'empty', attrs: { colspan: String(columns) } }),
      ]),
    );
    return;
  }
  body.replaceChildren(
    ...rows.map((cells) =>
      el(
        'tr',
        {},
        cells.map((cell) =>
          el('td', {}, [typeof cell === 'string' ? document.createTextNode(cell) : cell]),
        ),
      ),
    ),
  );
}

/** A text field of a submitted form, trimmed; empty when absent. */
export function formText(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}
