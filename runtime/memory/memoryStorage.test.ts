import { MemoryStorage } from './memoryStorage.js';
import { storageConformance } from './storageConformance.js';

storageConformance('memory', () => new MemoryStorage());
