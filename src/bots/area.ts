/** The bots area: bot, template and token actions, the bots made on installation, and the bot-token Bearer resolver. */
import type { Area } from '../kernel/area.js';
import { createBot, deleteBot, getBot, issueBotToken, listBots, resetBotSecret, updateBot } from './bot-actions.js';
import { createBotTemplate, deleteBotTemplate, listBotTemplates, resetBotTemplateSecret, updateBotTemplate } from './template-actions.js';
import { applicationInstalled } from './propagation.js';
import { resolveBotToken } from './token.js';

export const botsArea: Area = {
  name: 'bots',
  actions: [
    createBotTemplate, createBot, deleteBotTemplate, deleteBot, updateBotTemplate, updateBot, listBotTemplates, getBot,
    listBots, issueBotToken, resetBotTemplateSecret, resetBotSecret,
  ],
  applicationInstalled,
  bearerResolver: resolveBotToken,
};
