#include "sfu/fanout_batch.h"

#include "sfu/producer.h"

namespace podium::sfu {

void FanoutBatch::close() {
  open_ = false;
  // A flush may not defer again (the batch is closed), so the list is stable.
  for (Producer* producer : producers_) producer->flush_deferred();
  producers_.clear();
}

}  // namespace podium::sfu
