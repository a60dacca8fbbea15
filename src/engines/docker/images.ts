// The images of the pool's services, inspected once each: whether they exist (a missing one is an error
// naming it and how to get it: nothing is pulled behind your back) and whether they carry a health check
// (a container then counts as running only once healthy).
import type Docker from 'dockerode';
import { EngineError } from '../../errors.js';
import { engineError } from './connection.js';

interface ImageFacts {
  readonly healthcheck: boolean;
}

export class Images {
  private readonly found = new Map<string, ImageFacts>();

  constructor(
    private readonly docker: Docker,
    private readonly host: string | undefined,
  ) {}

  /** An apply has found the image. */
  has(image: string): boolean {
    return this.found.has(image);
  }

  hasHealthcheck(image: string): boolean {
    return this.found.get(image)?.healthcheck ?? false;
  }

  /** Inspects the image unless found already; `service` names who needs it in the error. */
  async ensure(image: string, service: string): Promise<void> {
    if (this.found.has(image)) return;
    try {
      const info = await this.docker.getImage(image).inspect();
      const test = info.Config.Healthcheck?.Test;
      this.found.set(image, { healthcheck: Array.isArray(test) && test.length > 0 && test[0] !== 'NONE' });
    } catch (error) {
      const wrapped = engineError('docker', this.host, `inspect image ${image}`, error, service);
      if (wrapped.failure !== 'not-found') throw wrapped;
      throw new EngineError(
        'not-found',
        'docker',
        `image "${image}" is not on the Docker Engine at ${this.host ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'}; ` +
          `build it (docker build -t ${image} <dir>) or pull it (docker pull ${image}); microscale never pulls by itself`,
        service,
      );
    }
  }
}
