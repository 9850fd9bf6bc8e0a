/** The greetings area (v3.6): greeting actions, and greetings deleted with their group (cascade). */
import type { Area } from '../kernel/area.js';
import { createGreeting, deleteGreeting, getGreeting, groupDeleted, listGreetings, updateGreeting } from './actions.js';

export const greetingsArea: Area = {
  name: 'greetings',
  actions: [createGreeting, updateGreeting, deleteGreeting, getGreeting, listGreetings],
  groupDeleted,
};
