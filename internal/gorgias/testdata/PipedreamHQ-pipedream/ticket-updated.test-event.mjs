export default {
  "account": {
    "domain": "pipedream"
  },
  "assignee_team": null,
  "assignee_team_id": null,
  "assignee_user": {
    "bio": null,
    "email": "test@sample.com",
    "firstname": "Test",
    "id": 387654483,
    "lastname": "User",
    "meta": {
      "name_set_via": "agent"
    },
    "name": "Test User"
  },
  "assignee_user_id": 387654483,
  "channel": "email",
  "closed_datetime": null,
  "created_datetime": "2024-02-14T21:31:12.367230+00:00",
  "customer": {
    "channels": [
      {
        "address": "test@sample.com",
        "created_datetime": "2024-02-14T19:38:02.190391+00:00",
        "customer": {
          "id": 387705374,
          "name": null
        },
        "deleted_datetime": null,
        "id": 457649605,
        "preferred": true,
        "type": "email",
        "updated_datetime": "2024-02-14T19:38:02.190395+00:00",
        "user": {
          "id": 387705374,
          "name": null
        }
      }
    ],
    "customer": null,
    "data": null,
    "email": "test@sample.com",
    "external_id": null,
    "firstname": "",
    "id": 387705374,
    "integrations": {},
    "lastname": "",
    "meta": {
      "name_set_via": "email"
    },
    "name": null,
    "note": null
  },
  "external_id": null,
  "first_message": {
    "actions": null,
    "attachments": [],
    "body_html": "<div>hello</div>",
    "body_text": "hello",
    "channel": "email",
    "created_datetime": "2024-02-14T21:31:12.367230+00:00",
    "external_id": null,
    "failed_datetime": null,
    "from_agent": true,
    "headers": {
      "Message-Id": "<170794627270.19234.5787265417419062798.86538410-208822529@helpdesk-rules-worker-6f4647d759-6gm7n>",
      "X-GORGIAS-TICKET-ID": "86538410",
      "reply-to": "Company Support <jk0nxgz1z70o74pm@email.gorgias.com>"
    },
    "id": 208822529,
    "integration_id": 66567,
    "intents": [],
    "is_retriable": true,
    "last_sending_error": null,
    "message_id": "<170794627270.19234.5787265417419062798.86538410-208822529@helpdesk-rules-worker-6f4647d759-6gm7n>",
    "meta": null,
    "opened_datetime": null,
    "public": true,
    "receiver": {
      "email": "test@sample.com",
      "firstname": "",
      "id": 387705374,
      "lastname": "",
      "meta": {
        "name_set_via": "email"
      },
      "name": null
    },
    "rule_id": null,
    "sender": {
      "email": "test@sample.com",
      "firstname": "Test",
      "id": 387654483,
      "lastname": "User",
      "meta": {
        "name_set_via": "agent"
      },
      "name": "Test User"
    },
    "sent_datetime": "2024-02-14T21:31:12.924335+00:00",
    "sentiments": [],
    "source": {
      "extra": {
        "include_thread": false
      },
      "from": {
        "address": "jk0nxgz1z70o74pm@email.gorgias.com",
        "name": "Company Support"
      },
      "to": [
        {
          "address": "test@sample.com",
          "name": ""
        }
      ],
      "type": "email"
    },
    "stripped_html": "<div>hello</div>",
    "stripped_signature": null,
    "stripped_text": "hello",
    "subject": "",
    "text": "hello",
    "ticket_id": 86538410,
    "uri": "/api/tickets/86538410/messages/208822529/",
    "via": "helpdesk"
  },
  "from_agent": true,
  "id": 86538410,
  "is_unread": false,
  "language": null,
  "last_message": {
    "actions": null,
    "attachments": [],
    "body_html": "<div>hello</div>",
    "body_text": "hello",
    "channel": "email",
    "created_datetime": "2024-02-14T21:31:12.367230+00:00",
    "external_id": null,
    "failed_datetime": null,
    "from_agent": true,
    "headers": {
      "Message-Id": "<170794627270.19234.5787265417419062798.86538410-208822529@helpdesk-rules-worker-6f4647d759-6gm7n>",
      "X-GORGIAS-TICKET-ID": "86538410",
      "reply-to": "Company Support <jk0nxgz1z70o74pm@email.gorgias.com>"
    },
    "id": 208822529,
    "integration_id": 66567,
    "intents": [],
    "is_retriable": true,
    "last_sending_error": null,
    "message_id": "<170794627270.19234.5787265417419062798.86538410-208822529@helpdesk-rules-worker-6f4647d759-6gm7n>",
    "meta": null,
    "opened_datetime": null,
    "public": true,
    "receiver": {
      "email": "test@sample.com",
      "firstname": "",
      "id": 387705374,
      "lastname": "",
      "meta": {
        "name_set_via": "email"
      },
      "name": null
    },
    "rule_id": null,
    "sender": {
      "email": "test@sample.com",
      "firstname": "Test",
      "id": 387654483,
      "lastname": "User",
      "meta": {
        "name_set_via": "agent"
      },
      "name": "Test User"
    },
    "sent_datetime": "2024-02-14T21:31:12.924335+00:00",
    "sentiments": [],
    "source": {
      "extra": {
        "include_thread": false
      },
      "from": {
        "address": "jk0nxgz1z70o74pm@email.gorgias.com",
        "name": "Company Support"
      },
      "to": [
        {
          "address": "test@sample.com",
          "name": ""
        }
      ],
      "type": "email"
    },
    "stripped_html": "<div>hello</div>",
    "stripped_signature": null,
    "stripped_text": "hello",
    "subject": "",
    "text": "hello",
    "ticket_id": 86538410,
    "uri": "/api/tickets/86538410/messages/208822529/",
    "via": "helpdesk"
  },
  "last_message_datetime": "2024-02-14T21:31:12.367230+00:00",
  "last_received_message_datetime": null,
  "messages": [
    {
      "actions": null,
      "attachments": [],
      "body_html": "<div>hello</div>",
      "body_text": "hello",
      "channel": "email",
      "created_datetime": "2024-02-14T21:31:12.367230+00:00",
      "external_id": null,
      "failed_datetime": null,
      "from_agent": true,
      "headers": {
        "Message-Id": "<170794627270.19234.5787265417419062798.86538410-208822529@helpdesk-rules-worker-6f4647d759-6gm7n>",
        "X-GORGIAS-TICKET-ID": "86538410",
        "reply-to": "Company Support <jk0nxgz1z70o74pm@email.gorgias.com>"
      },
      "id": 208822529,
      "integration_id": 66567,
      "intents": [],
      "is_retriable": true,
      "last_sending_error": null,
      "message_id": "<170794627270.19234.5787265417419062798.86538410-208822529@helpdesk-rules-worker-6f4647d759-6gm7n>",
      "meta": null,
      "opened_datetime": null,
      "public": true,
      "receiver": {
        "email": "test@sample.com",
        "firstname": "",
        "id": 387705374,
        "lastname": "",
        "meta": {
          "name_set_via": "email"
        },
        "name": null
      },
      "rule_id": null,
      "sender": {
        "email": "test@sample.com",
        "firstname": "Test",
        "id": 387654483,
        "lastname": "User",
        "meta": {
          "name_set_via": "agent"
        },
        "name": "Test User"
      },
      "sent_datetime": "2024-02-14T21:31:12.924335+00:00",
      "sentiments": [],
      "source": {
        "extra": {
          "include_thread": false
        },
        "from": {
          "address": "jk0nxgz1z70o74pm@email.gorgias.com",
          "name": "Company Support"
        },
        "to": [
          {
            "address": "test@sample.com",
            "name": ""
          }
        ],
        "type": "email"
      },
      "stripped_html": "<div>hello</div>",
      "stripped_signature": null,
      "stripped_text": "hello",
      "subject": "",
      "text": "hello",
      "ticket_id": 86538410,
      "uri": "/api/tickets/86538410/messages/208822529/",
      "via": "helpdesk"
    }
  ],
  "meta": null,
  "opened_datetime": null,
  "priority": "normal",
  "reply_options": {
    "email": {
      "answerable": true
    },
    "internal-note": {
      "answerable": true
    }
  },
  "requester": {
    "channels": [
      {
        "address": "test@sample.com",
        "created_datetime": "2024-02-14T19:38:02.190391+00:00",
        "customer": {
          "id": 387705374,
          "name": null
        },
        "deleted_datetime": null,
        "id": 457649605,
        "preferred": true,
        "type": "email",
        "updated_datetime": "2024-02-14T19:38:02.190395+00:00",
        "user": {
          "id": 387705374,
          "name": null
        }
      }
    ],
    "customer": null,
    "data": null,
    "email": "test@sample.com",
    "external_id": null,
    "firstname": "",
    "id": 387705374,
    "integrations": {},
    "lastname": "",
    "meta": {
      "name_set_via": "email"
    },
    "name": null,
    "note": null
  },
  "satisfaction_survey": null,
  "snooze_datetime": null,
  "spam": false,
  "status": "open",
  "subject": "test",
  "tags": [],
  "trashed_datetime": null,
  "updated_datetime": "2024-02-14T21:39:57.410619+00:00",
  "uri": "/api/tickets/86538410/",
  "via": "helpdesk"
}