import { render } from 'preact';
import { readBoot } from '../shared/boot.js';
import { App } from './app.js';

// Entry point of the sign-in page bundle.

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App boot={readBoot()} />, root);
}
