// Table-driven scaffolding for the NB event tests: a match case asserts the exact list of
// `Class:action` that classifyChange returns; a run case calls one class's run directly (as
// upstream's tests do) and asserts the driver calls.
import {expect} from 'chai'

import type {CallInfo, DriverCall, DriverFn, EventName} from '../../../src/lib/driver/events.js'
import type {RowChange} from '../../../src/lib/ovsdb/types.js'

import {classifyChange, eventSpec} from '../../../src/lib/driver/events.js'
import {decoded} from '../../helpers/nb-changes.js'
import {fakeView, type FakeViewOpts} from './fake-view.js'

/** `Class:action` labels, as returned by `labels()`. */
export const E = {
  PC: 'LogicalSwitchPortProviderCreateEvent:expose_ip',
  PD: 'LogicalSwitchPortProviderDeleteEvent:withdraw_ip',
  IPC: 'LogicalSwitchPortIPsChangedEvent:expose_ip',
  FC: 'LogicalSwitchPortFIPCreateEvent:expose_fip',
  FD: 'LogicalSwitchPortFIPDeleteEvent:withdraw_fip',
  LCD: 'LocalnetCreateDeleteEvent:sync',
  CRC: 'ChassisRedirectCreateEvent:expose_ip',
  CRD: 'ChassisRedirectDeleteEvent:withdraw_ip',
  SA: 'LogicalSwitchPortSubnetAttachEvent:expose_subnet',
  SD: 'LogicalSwitchPortSubnetDetachEvent:withdraw_subnet',
  TC: 'LogicalSwitchPortTenantCreateEvent:expose_remote_ip',
  TD: 'LogicalSwitchPortTenantDeleteEvent:withdraw_remote_ip',
  DFC: 'DistributedFlagChangedEvent:sync',
  NMA: 'NATMACAddedEvent:expose_fip',
  EFC: 'ExposeFIPOnCRLRP:expose_fip',
  WFC: 'WithdrawFIPOnCRLRP:withdraw_fip',
  CCE: 'CrLrpChassisChangeExposeEvent:expose_fip',
  CCW: 'CrLrpChassisChangeWithdrawEvent:withdraw_fip',
  LBC: 'OVNLBCreateEvent:expose_ovn_lb_vip',
  LBD: 'OVNLBDeleteEvent:withdraw_ovn_lb_vip',
  PFC: 'OVNPFCreateEvent:expose_ovn_pf_lb_fip',
  PFD: 'OVNPFDeleteEvent:withdraw_ovn_pf_lb_fip',
} as const

export interface MatchCase {
  name: string
  change: RowChange
  view?: FakeViewOpts
  expect: string[]
}

interface ExpectedCall {
  fn: DriverFn
  ips: string[]
  /** Compared only when given (subset of the call's info). */
  info?: CallInfo
}

export interface RunCase {
  name: string
  event: EventName
  change: RowChange
  view?: FakeViewOpts
  calls: ExpectedCall[]
}

function labels(change: RowChange, view: FakeViewOpts): string[] {
  const v = fakeView(view)
  return classifyChange(decoded(change, v.nb.capabilities), v).map((e) => `${e.name}:${e.action}`)
}

function runOf(event: EventName, change: RowChange, view: FakeViewOpts): DriverCall[] {
  const v = fakeView(view)
  return eventSpec(event).run(decoded(change, v.nb.capabilities), v)
}

function checkCalls(actual: DriverCall[], expected: ExpectedCall[]): void {
  expect(actual.map((c) => ({fn: c.fn, ips: [...c.ips]}))).to.deep.equal(expected.map((c) => ({fn: c.fn, ips: c.ips})))
  for (const [i, e] of expected.entries()) {
    if (e.info) expect(actual[i]?.info).to.deep.include(e.info)
  }
}

/** One describe block: match cases against `base` view, then run cases. */
export function eventSuite(title: string, base: FakeViewOpts, matches: MatchCase[], runs: RunCase[] = []): void {
  describe(title, () => {
    for (const c of matches) {
      it(c.name, () => {
        expect(labels(c.change, {...base, ...c.view})).to.deep.equal(c.expect)
      })
    }

    for (const c of runs) {
      it(c.name, () => {
        checkCalls(runOf(c.event, c.change, {...base, ...c.view}), c.calls)
      })
    }
  })
}
