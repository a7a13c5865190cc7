import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { api } from './api/index.ts';
import { setApi } from './lib/context.ts';
import { startTheme } from './lib/theme.ts';
import { createAppRouter } from './router.ts';
import './styles.css';

// Before the first paint, so that a light page never flashes dark (or the other way).
startTheme();
setApi(api);
createApp(App).use(createPinia()).use(createAppRouter()).mount('#app');
