// The cloud's side of IoT Hub's service-facing AMQP endpoints (amqp::ServiceHandler): a
// shared access policy's token with ServiceConnect, cloud-to-device sends into the C2D queue
// (as POST /devices/{d}/messages/devicebound does) and the feedback stream (C2dFeedback).
#pragma once
#include "c2d_feedback.h"
#include "c2d_queue.h"
#include "service_auth.h"
#include "outpost/amqp/server.h"

namespace outpost::cloud {

class AmqpService final : public amqp::ServiceHandler {
 public:
  AmqpService(ServiceAuth& auth, C2dQueue& c2d, C2dFeedback& feedback) : auth_(auth), c2d_(c2d), feedback_(feedback) {}

  bool authorize_service(const std::string& audience, const std::string& token) override;
  std::optional<Refusal> send_c2d(const std::string& device_id, Message message) override;
  std::optional<FeedbackBatch> next_feedback() override;
  void feedback_completed(std::uint64_t id) override { feedback_.done(id); }

 private:
  ServiceAuth& auth_;
  C2dQueue& c2d_;
  C2dFeedback& feedback_;
};

}  // namespace outpost::cloud
