/**
 * The node's context menu: a small HTML menu (the webview has no native one we can fill), with
 * arrow keys, Home/End, Enter/Space to choose, and Escape (or a click elsewhere) to close; focus
 * returns to the canvas.
 */
import { el } from './dom.js';

export interface MenuItem {
  label: string;
  run: () => void;
  enabled?: boolean;
}

export class ContextMenu {
  private menu?: HTMLElement;
  private returnFocus?: HTMLElement;

  constructor(private readonly host: HTMLElement) {
    document.addEventListener('pointerdown', (e) => {
      if (this.menu && !this.menu.contains(e.target as Node)) this.close(false);
    });
    window.addEventListener('blur', () => this.close(false));
  }

  get isOpen(): boolean {
    return this.menu !== undefined;
  }

  open(items: MenuItem[], clientX: number, clientY: number, returnFocus: HTMLElement): void {
    this.close(false);
    this.returnFocus = returnFocus;
    const buttons = items.map((item) => {
      const b = el('button', { className: 'menu-item', text: item.label, attrs: { role: 'menuitem', type: 'button' } });
      if (item.enabled === false) b.setAttribute('aria-disabled', 'true');
      b.addEventListener('click', () => {
        if (item.enabled === false) return;
        this.close(true);
        item.run();
      });
      return b;
    });
    const menu = el('div', { className: 'context-menu', attrs: { role: 'menu', 'aria-label': 'Node actions' } }, ...buttons);
    menu.addEventListener('keydown', (e) => {
      const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
      const focus = (k: number) => buttons[(k + buttons.length) % buttons.length]?.focus();
      if (e.key === 'ArrowDown') focus(i + 1);
      else if (e.key === 'ArrowUp') focus(i - 1);
      else if (e.key === 'Home') focus(0);
      else if (e.key === 'End') focus(buttons.length - 1);
      else if (e.key === 'Escape' || e.key === 'Tab') this.close(true);
      else return;
      e.preventDefault();
      e.stopPropagation();
    });
    this.host.append(menu);
    this.menu = menu;
    // keep it inside the window
    const r = menu.getBoundingClientRect();
    menu.style.left = `${Math.max(0, Math.min(clientX, window.innerWidth - r.width - 4))}px`;
    menu.style.top = `${Math.max(0, Math.min(clientY, window.innerHeight - r.height - 4))}px`;
    buttons.find((b) => b.getAttribute('aria-disabled') !== 'true')?.focus();
  }

  close(refocus: boolean): void {
    if (!this.menu) return;
    this.menu.remove();
    this.menu = undefined;
    if (refocus) this.returnFocus?.focus();
  }
}
