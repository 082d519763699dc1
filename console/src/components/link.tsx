import type { ComponentChildren } from 'preact';
import { BASE, onLinkClick } from '../router.ts';

export function Link(props: { to: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' | undefined }) {
  return (
    <a href={BASE + props.to} class={props.class} aria-current={props['aria-current']} onClick={(e) => onLinkClick(e, props.to)}>
      {props.children}
    </a>
  );
}
