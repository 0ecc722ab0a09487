import { stringify } from 'yaml';

import ecosystem from '../../ecosystem.config';
import type { ConfigDirSource } from './locate';
import type { ComponentConfig, Config, Pm2AppDefinition, SupervisorConfig } from './types';

export const MASK = '********';

/** Words that mark a variable's value as secret, matched anywhere in its name, in any case. */
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Replaces the values of variables whose names look secret.
 * NOTE: only env values are masked; a secret passed in args is shown as it is.
 */
export function maskSecrets(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([name, value]) => [name, isSecretName(name) ? MASK : value]));
}

const SOURCE_DESCRIPTIONS: Record<ConfigDirSource, string> = {
  option: '--config-dir',
  variable: 'IMAGESERVING_CONFIG_DIR',
  system: '/etc/imageserving exists',
  package: "the package's config/",
};

/** Document that `config show` prints: the resolved settings and the PM2 apps they become, secrets masked. */
export interface ConfigDocument {
  environment: string;
  configDir: string;
  /** Source that chose this folder. */
  configDirChosenBy: string;
  files: string[];
  supervisor: SupervisorConfig;
  components: ComponentConfig[];
  pm2: { stopSignal: string; apps: Pm2AppDefinition[] };
}

export function configDocument(config: Config, source: ConfigDirSource, env: NodeJS.ProcessEnv = process.env): ConfigDocument {
  const { apps, stopSignal } = ecosystem.buildEcosystem(config, env);

  return {
    environment: config.environment,
    configDir: config.configDir,
    configDirChosenBy: SOURCE_DESCRIPTIONS[source],
    files: config.files,
    supervisor: config.supervisor,
    components: config.components.map((component) => ({ ...component, env: maskSecrets(component.env) })),
    pm2: { stopSignal, apps: apps.map((app) => ({ ...app, env: maskSecrets(app.env) })) },
  };
}

/** Renders the document as YAML, the format the settings are written in. */
export function renderConfigDocument(document: ConfigDocument): string {
  return stringify(document, { lineWidth: 0, aliasDuplicateObjects: false });
}
