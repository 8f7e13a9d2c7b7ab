import { h } from 'preact';
import htm from 'htm';

/** JSX-like templates without a compile step: html`<p>${text}</p>` (values are escaped, as in JSX). */
export const html = htm.bind(h);
