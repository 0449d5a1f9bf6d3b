import { describe, expect, it } from 'vitest';
import { recordingUseCase } from './recording-use-case.js';

describe('recordingUseCase', () => {
  it('records each command and answers the result', async () => {
    const useCase = recordingUseCase({ outcome: 'reserved' });
    expect(await useCase.execute({ orderId: 'a' })).toEqual({ outcome: 'reserved' });
    expect(await useCase.execute({ orderId: 'b' })).toEqual({ outcome: 'reserved' });
    expect(useCase.commands).toEqual([{ orderId: 'a' }, { orderId: 'b' }]);
  });

  it('throws an Error result, after recording the command', async () => {
    const failure = new Error('broken');
    const useCase = recordingUseCase(failure);
    await expect(useCase.execute({ orderId: 'a' })).rejects.toBe(failure);
    expect(useCase.commands).toEqual([{ orderId: 'a' }]);
  });
});
