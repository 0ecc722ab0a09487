import { dirname, join } from 'node:path';

import type { ComponentId } from './types';

/** The install section of the YAML, as the schema has checked it. */
export interface RawInstall {
  folder: string;
  javaHome?: string;
  catalinaHome?: string;
  catalinaBase?: string;
  psHeapSize?: string;
  svgHeapSize?: string;
  imageServerMode?: 64 | 32;
  svgJar?: string;
}

/** The program a component runs when the install section builds it, with absolute paths. */
export interface InstallProgram {
  executable: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  requiredFiles: string[];
}

/** Vendor defaults: SV::PsHeapSize, SV::SvgHeapSize and SV::ImageServerMode. */
export const DEFAULT_PS_HEAP_SIZE = '512m';
export const DEFAULT_SVG_HEAP_SIZE = '200m';
export const DEFAULT_IMAGE_SERVER_MODE = 64;

type PathResolver = (path: string) => string;

function javaEnvironment(install: RawInstall, resolvePath: PathResolver): Record<string, string> {
  return install.javaHome === undefined ? {} : { JAVA_HOME: resolvePath(install.javaHome) };
}

/** Tomcat in the foreground (`catalina.sh run`), so that PM2 supervises the JVM itself. */
function platformServer(install: RawInstall, folder: string, resolvePath: PathResolver): InstallProgram {
  const catalinaHome = install.catalinaHome === undefined ? join(folder, 'tomcat') : resolvePath(install.catalinaHome);
  const catalinaBase = install.catalinaBase === undefined ? catalinaHome : resolvePath(install.catalinaBase);

  return {
    executable: join(catalinaHome, 'bin', 'catalina.sh'),
    args: ['run'],
    cwd: catalinaBase,
    env: {
      ...javaEnvironment(install, resolvePath),
      CATALINA_HOME: catalinaHome,
      CATALINA_BASE: catalinaBase,
      CATALINA_OPTS: `-Xmx${install.psHeapSize ?? DEFAULT_PS_HEAP_SIZE}`,
    },
    requiredFiles: [join(catalinaBase, 'conf', 'server.xml')],
  };
}

function imageServer(install: RawInstall, folder: string): InstallProgram {
  const binFolder = join(folder, 'bin');

  return {
    executable: join(binFolder, `ImageServer${install.imageServerMode ?? DEFAULT_IMAGE_SERVER_MODE}`),
    args: [],
    cwd: binFolder,
    env: {},
    requiredFiles: [],
  };
}

function svgServer(install: RawInstall, folder: string, resolvePath: PathResolver): InstallProgram {
  // NOTE: the jar's place in a vendor install is assumed; set install.svgJar when it differs.
  const jar = install.svgJar === undefined ? join(folder, 'svg', 'svgserver.jar') : resolvePath(install.svgJar);
  const java = install.javaHome === undefined ? 'java' : join(resolvePath(install.javaHome), 'bin', 'java');

  return {
    executable: java,
    args: [`-Xmx${install.svgHeapSize ?? DEFAULT_SVG_HEAP_SIZE}`, '-jar', jar],
    cwd: dirname(jar),
    env: javaEnvironment(install, resolvePath),
    requiredFiles: [jar],
  };
}

/**
 * Builds the program a component runs in a vendor install: Tomcat's catalina.sh
 * for ps, ImageServer64 or ImageServer32 for is, and java with the SVG jar for
 * svg, each with its heap size.
 */
export function installProgram(id: ComponentId, install: RawInstall, resolvePath: PathResolver): InstallProgram {
  const folder = resolvePath(install.folder);

  switch (id) {
    case 'ps':
      return platformServer(install, folder, resolvePath);
    case 'is':
      return imageServer(install, folder);
    case 'svg':
      return svgServer(install, folder, resolvePath);
  }
}

/**
 * Merges the component's own env over the install's. CATALINA_OPTS from the YAML
 * comes after the heap option, so its own -Xmx, if any, wins (the JVM takes the last one).
 */
export function mergeInstallEnv(installEnv: Record<string, string>, own: Record<string, string>): Record<string, string> {
  const env = { ...installEnv, ...own };

  if (installEnv.CATALINA_OPTS !== undefined && own.CATALINA_OPTS !== undefined) {
    env.CATALINA_OPTS = `${installEnv.CATALINA_OPTS} ${own.CATALINA_OPTS}`;
  }

  return env;
}
