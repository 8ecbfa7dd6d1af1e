/** Bad requests (see ./index.ts): the shape of the request: missing and unknown fields at every level, and wrong types. */
import type { Case, CaseContext } from './context';

export function shapeCases({ scheme, member }: CaseContext): Case[] {
  return [
    // the shape of the request
    {
      name: 'not an object',
      field: /\(request\): must be a JSON object/,
      edit: () => ['etcd4'],
    },
    {
      name: 'missing cluster',
      field: /cluster: is required/,
      edit: (r) => {
        delete r.cluster;
        return r;
      },
    },
    {
      name: 'empty member list',
      field: /newMembers: must list at least one new member/,
      edit: (r) => {
        r.newMembers = [];
        return r;
      },
    },
    {
      name: 'nine new members',
      field: /newMembers: must list at most 8 members/,
      edit: (r) => {
        r.newMembers = Array.from({ length: 9 }, (_, i) =>
          member(i, '10.99.0'),
        );
        return r;
      },
    },
    {
      name: 'a 10-endpoint cluster',
      field: /cluster\.endpoints: must list at most 9 endpoints/,
      edit: (r) => {
        r.cluster.endpoints = Array.from(
          { length: 10 },
          (_, i) => `${scheme}//10.98.0.${i + 1}:2379`,
        );
        return r;
      },
    },

    // unknown fields at every level
    {
      name: 'unknown top-level field',
      field: /\(request\): unknown field\(s\): dryRun/,
      edit: (r) => {
        r.dryRun = true;
        return r;
      },
    },
    {
      name: '__proto__ key from JSON',
      field: /\(request\): unknown field\(s\): __proto__/,
      edit: (r) =>
        JSON.parse(
          JSON.stringify(r).replace(/^\{/, '{"__proto__":{"polluted":true},'),
        ),
    },
    {
      name: 'unknown cluster field',
      field: /cluster: unknown field\(s\): endpoint\b/,
      edit: (r) => {
        r.cluster.endpoint = r.cluster.endpoints[0];
        return r;
      },
    },
    {
      name: 'unknown field in newMembers[0]',
      field: /newMembers\[0\]: unknown field\(s\): learner/,
      edit: (r) => {
        r.newMembers[0].learner = false;
        return r;
      },
    },
    {
      name: 'unknown ssh field',
      field: /ssh: unknown field\(s\): password/,
      edit: (r) => {
        r.ssh.password = 'hunter2';
        return r;
      },
    },
    {
      name: 'unknown node field',
      field: /node: unknown field\(s\): preStart/,
      edit: (r) => {
        r.node = { preStart: 'rm -rf /var/lib/etcd' };
        return r;
      },
    },
    {
      name: 'unknown strategy field (typo)',
      field: /strategy: unknown field\(s\): rollbak/,
      edit: (r) => {
        r.strategy.rollbak = 'all';
        return r;
      },
    },

    // wrong types
    {
      name: 'ssh port as a string',
      field: /ssh\.port: must be a port number/,
      edit: (r) => {
        r.ssh.port = '22';
        return r;
      },
    },
    {
      name: 'endpoints as a string',
      field: /cluster\.endpoints: must be a list of client URLs/,
      edit: (r) => {
        r.cluster.endpoints = r.cluster.endpoints.join(',');
        return r;
      },
    },
    {
      name: 'newMembers as an object',
      field: /newMembers: must be a list of members/,
      edit: (r) => {
        r.newMembers = { ...r.newMembers[0] };
        return r;
      },
    },
    {
      name: 'allowEvenSize "yes"',
      field: /strategy\.allowEvenSize: must be true or false/,
      edit: (r) => {
        r.strategy.allowEvenSize = 'yes';
        return r;
      },
    },
    {
      name: 'missing ssh key file field',
      field: /ssh\.privateKeyFile: is required: must be an absolute path/,
      edit: (r) => {
        delete r.ssh.privateKeyFile;
        return r;
      },
    },
  ];
}
