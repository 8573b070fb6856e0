// Marking words in rendered turns (search hits, Find) by splitting text nodes:
// the text stays text, only <mark> elements made here are added. Matching
// ignores case and diacritics, as the daemon's search does (`cafe` marks
// `Café`).

/** One folded character per UTF-16 unit, so offsets in the folded text are offsets in the original. */
export function fold(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch.length !== 1) {
      out += ch; // astral characters (emoji) are kept as they are, two units
      continue;
    }
    const base = ch.normalize('NFD').charAt(0).toLowerCase();
    out += base.length === 1 ? base : ch;
  }
  return out;
}

/** [start, end) of every non-overlapping occurrence of any term in `text`, in order. */
export function findRanges(text: string, terms: readonly string[]): [number, number][] {
  const hay = fold(text);
  const needles = terms.map(fold).filter((t) => t.length > 0);
  const ranges: [number, number][] = [];
  let i = 0;
  while (i < hay.length) {
    let best: [number, number] | undefined;
    for (const n of needles) {
      const at = hay.indexOf(n, i);
      if (at >= 0 && (best === undefined || at < best[0] || (at === best[0] && at + n.length > best[1]))) best = [at, at + n.length];
    }
    if (!best) break;
    ranges.push(best);
    i = best[1];
  }
  return ranges;
}

/** Wraps each match of `terms` in text under `root` with <mark class=cls>; returns the marks in order. */
export function markMatches(root: Node, terms: readonly string[], cls: string): HTMLElement[] {
  const doc = root.ownerDocument ?? (root as Document);
  const walker = doc.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
  const texts: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    // Buttons (Copy, session links) and the find bar are not history text.
    if (parent && !parent.closest('button, mark')) texts.push(n as Text);
  }
  const marks: HTMLElement[] = [];
  for (const node of texts) {
    const text = node.data;
    const ranges = findRanges(text, terms);
    if (ranges.length === 0) continue;
    const frag = doc.createDocumentFragment();
    let at = 0;
    for (const [a, b] of ranges) {
      if (a > at) frag.append(text.slice(at, a));
      const mark = doc.createElement('mark');
      mark.className = cls;
      mark.textContent = text.slice(a, b);
      frag.append(mark);
      marks.push(mark);
      at = b;
    }
    if (at < text.length) frag.append(text.slice(at));
    node.replaceWith(frag);
  }
  return marks;
}

/** Undoes markMatches for class `cls`: the marks' text goes back in place. */
export function clearMarks(root: ParentNode, cls: string): void {
  for (const mark of Array.from(root.querySelectorAll(`mark.${cls}`))) {
    const parent = mark.parentNode;
    mark.replaceWith(...Array.from(mark.childNodes));
    parent?.normalize();
  }
}
