import { describe, expect, it } from 'vitest'
import { ConfigError, readConfig } from '../src/config.ts'

describe('readConfig() access settings', () => {
  it('opens the dashboard without login only on a loopback HOST unless PUBLIC_DASHBOARD says otherwise', () => {
    expect(readConfig({}).publicDashboard).toBe(true)
    expect(readConfig({ HOST: '::1' }).publicDashboard).toBe(true)
    expect(readConfig({ HOST: '0.0.0.0' }).publicDashboard).toBe(false)
    expect(readConfig({ HOST: '10.1.2.3' }).publicDashboard).toBe(false)
    expect(readConfig({ HOST: '0.0.0.0', PUBLIC_DASHBOARD: 'yes' }).publicDashboard).toBe(true)
    expect(readConfig({ PUBLIC_DASHBOARD: 'off' }).publicDashboard).toBe(false)
    expect(readConfig({}).trustProxy).toBe(false)
    expect(readConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(true)
  })

  it('names a bad boolean', () => {
    expect(() => readConfig({ PUBLIC_DASHBOARD: 'maybe', TRUST_PROXY: 'sure' })).toThrow(ConfigError)
    try {
      readConfig({ PUBLIC_DASHBOARD: 'maybe', TRUST_PROXY: 'sure' })
    } catch (error) {
      expect((error as ConfigError).problems).toEqual(['PUBLIC_DASHBOARD must be true or false, got "maybe"', 'TRUST_PROXY must be true or false, got "sure"'])
    }
  })
})
