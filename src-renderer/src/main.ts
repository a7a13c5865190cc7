import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { api } from './api/index.ts';
import { setApi, setRouter } from './lib/context.ts';
import { createHashRouter } from './lib/router.ts';
import './styles.css';

setApi(api);
setRouter(createHashRouter(window));
createApp(App).use(createPinia()).mount('#app');
