import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { unlockAudioOnGesture } from './lib/audio.js';
import { app } from './state/stores.js';

app.pickLanguage();
unlockAudioOnGesture();
const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');
mount(App, { target });
void app.start();
