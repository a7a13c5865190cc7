import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { api } from './api/index.ts';
import { setApi } from './lib/context.ts';
import { createAppRouter } from './router.ts';
import './styles.css';

setApi(api);
createApp(App).use(createPinia()).use(createAppRouter()).mount('#app');
